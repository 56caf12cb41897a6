"""One exception and warning family for everything behavert reports to a user.

Every error that concerns a file carries the file's path and says what is wrong
with it, so a message shown in napari or printed by the command line is enough
to act on.
"""

from __future__ import annotations

from pathlib import Path


class BehavertError(Exception):
    """Base class of every error raised by behavert."""


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
