"""Atomic writes that follow the umask: a file appears whole under its final
name, or not at all, with the permissions any other file the user makes gets.

``tempfile`` creates files 0600 and folders 0700 whatever the umask, so a file
renamed into place from it would hide results from colleagues on a shared
server; :func:`follow_umask` gives it the mode ``open``/``mkdir`` would have
(0644 / 0755 under umask 022).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import FileProblemError, OutputWriteError

__all__ = ["atomic_dir", "atomic_path", "current_umask", "follow_umask"]

#: errors of a full disk or a file-size limit: a runtime failure, not bad input
_SPACE_ERRORS = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


def current_umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def follow_umask(path: str | Path) -> None:
    """Give ``path`` (a file, or a folder and everything in it) the umask's modes."""
    mask = current_umask()
    path = Path(path)
    if path.is_dir():
        os.chmod(path, 0o777 & ~mask)
        for root, dirs, files in os.walk(path):
            for name in dirs:
                os.chmod(os.path.join(root, name), 0o777 & ~mask)
            for name in files:
                os.chmod(os.path.join(root, name), 0o666 & ~mask)
    else:
        os.chmod(path, 0o666 & ~mask)


def write_failure(path: Path, error: OSError) -> FileProblemError:
    """The one-line error of a failed write: full disk, size limit, permission."""
    if error.errno in _SPACE_ERRORS:
        why = "the disk is full or a file-size limit was reached"
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "permission denied (the folder is read-only)"
    else:
        why = error.strerror or str(error)
    return OutputWriteError(
        path, f"could not be written: {why}; nothing was left half-written"
    )


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it onto ``path`` on success.

    On an exception the temporary file is removed and an existing ``path`` is
    left untouched, so a crash never leaves a half-written output. The file
    gets the umask's mode (`follow_umask`). A full disk or a file-size limit
    becomes an `OutputWriteError` naming ``path``.
    """
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise FileProblemError(path, f"folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(
            prefix=f".{path.stem}.", suffix=path.suffix, dir=folder
        )
    except OSError as error:
        raise write_failure(path, error) from error
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        follow_umask(tmp_path)
        os.replace(tmp_path, path)
    except OSError as error:
        raise write_failure(path, error) from error
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextlib.contextmanager
def atomic_dir(folder: str | Path, *, prefix: str | None = None) -> Iterator[Path]:
    """Yield a temporary folder next to ``folder``; rename it onto ``folder``.

    An existing ``folder`` is replaced only once the new one is complete (it is
    moved aside, the new one renamed in, then the old one deleted); on any
    error the temporary folder is removed and ``folder`` is left as it was.
    Everything inside gets the umask's modes.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    name = prefix or f".{folder.name}.tmp-"
    try:
        tmp = Path(tempfile.mkdtemp(prefix=name, dir=folder.parent))
    except OSError as error:
        raise write_failure(folder, error) from error
    old = None
    try:
        yield tmp
        follow_umask(tmp)
        if folder.exists():
            old = folder.parent / f".{folder.name}.old-{os.getpid()}"
            os.replace(folder, old)
        os.replace(tmp, folder)
    except BaseException as error:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not folder.exists():
            os.replace(old, folder)
        if isinstance(error, OSError) and not isinstance(error, FileProblemError):
            raise write_failure(folder, error) from error
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
