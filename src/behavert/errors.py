"""One exception and warning family for everything behavert reports to a user.

Every error that concerns a file carries the file's path and says what is wrong
with it, so a message shown in napari or printed by the command line is enough
to act on.
"""

from __future__ import annotations

from pathlib import Path


class BehavertError(Exception):
    """Base class of every error raised by behavert.

    ``exit_code`` is what the command line returns for it: 2 for bad input or
    arguments (the default), 1 for failures at run time (`BehavertRuntimeError`).
    """

    exit_code = 2


class BehavertRuntimeError(BehavertError, RuntimeError):
    """The input was fine but the work failed (a diverged run, a full disk)."""

    exit_code = 1


class FileProblemError(BehavertError, ValueError):
    """A file could not be used; the message names the file and the problem.

    Parameters
    ----------
    path
        The offending file (or folder).
    problem
        What is wrong, in words a user can act on.
    """

    def __init__(self, path: str | Path | None, problem: str) -> None:
        self.path = Path(path) if path is not None else None
        self.problem = problem
        where = f"{self.path}: " if self.path is not None else ""
        super().__init__(f"{where}{problem}")


class UnknownFormatError(FileProblemError):
    """No reader recognises the file."""


class CorruptFileError(FileProblemError):
    """The file is truncated, corrupt or unreadable."""


class NotAPoseTableError(FileProblemError):
    """A table was read but it does not hold keypoints (x, y[, z][, likelihood])."""


class NoFramesError(FileProblemError):
    """The file holds no frames."""


class LabelFileError(FileProblemError):
    """A behaviour-label table is malformed or does not fit its poses."""


class ModelFileError(FileProblemError):
    """A saved model folder is missing files or is corrupt."""


class RunFolderError(FileProblemError):
    """An output (run) folder cannot be used: it holds another run, is locked by
    a running job, lies inside the initial model's folder or cannot be written.
    The message names the folder and the way out (``--overwrite``, a new folder).
    """


class TrainingDivergedError(BehavertRuntimeError):
    """The loss or the weights became non-finite; nothing bad was saved."""


class OutputWriteError(FileProblemError, BehavertRuntimeError):
    """Writing an output failed (full disk, file-size limit, permissions)."""

    exit_code = 1


class SkeletonMismatchError(BehavertError, ValueError):
    """Poses do not have the keypoints/individuals a model or tokenizer expects."""


class ConfigError(BehavertError, ValueError):
    """A configuration value is invalid (out of range, unknown key or name).

    Raised by the configuration classes (``TokenizerConfig``, ``BehavertConfig``,
    ``TrainConfig``) and by option checks; the message names the value and what
    is allowed. A ``ValueError``, so ``except ValueError`` still catches it.
    """


class TrainingCancelled(BehavertError):
    """A long job was cancelled by the user between two steps."""


class BehavertWarning(UserWarning):
    """Base class of warnings about problems the user can fix."""


class AllNaNKeypointWarning(BehavertWarning):
    """A keypoint is missing (NaN) in every frame."""


class VideoMismatchWarning(BehavertWarning):
    """A video's frame count differs from the number of pose frames."""


class MissingVideoWarning(BehavertWarning):
    """The video belonging to a pose file could not be found; poses still load."""


class DataRepairWarning(BehavertWarning):
    """Input was repaired on reading (frames sorted, gaps filled, points dropped);
    the message names the file, what was done and how many rows or points."""


class LabelWarning(BehavertWarning):
    """Labels were read but something in them needs the user's attention (cells
    without a value, reversed bouts, a class that is never or always present)."""
