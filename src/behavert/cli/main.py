"""The parser of every command and the ``behavert`` console-script entry."""

from __future__ import annotations

import argparse
import errno
import logging
import sys
import traceback
import warnings
from collections.abc import Sequence

from ..errors import BehavertError, BehavertWarning
from . import (
    analyze,
    benchmark,
    demo,
    embed,
    evaluate,
    info,
    predict,
    pretrain,
    shards,
    train,
    transfer,
)
from .inputs import resolve_inputs

#: command modules in the order ``behavert --help`` lists them
COMMANDS = (
    info,
    pretrain,
    train,
    predict,
    embed,
    shards,
    evaluate,
    analyze,
    transfer,
    benchmark,
    demo,
)


def build_parser() -> argparse.ArgumentParser:
    """The ``behavert`` parser; every subcommand sets ``func``."""
    parser = argparse.ArgumentParser(
        prog="behavert",
        description="BehaVERT: pretrain, fine-tune and apply a pose transformer.",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="tracebacks and info logging"
    )
    parser.add_argument(
        "--version", action="version", version=f"behavert {package_version()}"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


def package_version() -> str:
    """The installed napari-behavert version (``behavert.__version__``)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("napari-behavert")
    except PackageNotFoundError:  # running from a source tree
        return "unknown"


def app(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``behavert`` console script.

    Every failure ends in one line on stderr and an exit code: 2 for bad input
    or arguments, 1 for failures at run time (a diverged run, a full disk, an
    internal error), 130 for Ctrl-C. ``--verbose`` (anywhere on the line) adds
    the traceback and info logging.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    verbose = any(a in ("-v", "--verbose") for a in argv)
    argv = [a for a in argv if a not in ("-v", "--verbose")]
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            resolve_inputs(args)
            return int(args.func(args) or 0)
        except KeyboardInterrupt:
            print("behavert: interrupted", file=sys.stderr)
            return 130
        except Exception as error:  # noqa: BLE001 - the one place that reports
            if verbose:
                traceback.print_exc()
            message, code = describe_error(error)
            print(f"behavert: error: {message}", file=sys.stderr)
            if code == 1 and not isinstance(error, BehavertError) and not verbose:
                print("behavert: run again with --verbose for details", file=sys.stderr)
            return code


def describe_error(error: BaseException) -> tuple[str, int]:
    """The one-line message and exit code of an error reaching the command line."""
    if isinstance(error, BehavertError):
        return str(error), int(getattr(error, "exit_code", 2))
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        why = error.strerror or str(error)
        if isinstance(
            error, (FileNotFoundError, IsADirectoryError, NotADirectoryError)
        ):
            return f"{where}{why}", 2
        if error.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            why = f"{why} (the disk is full or a file-size limit was reached)"
        return f"{where}{why}", 1
    if isinstance(error, MemoryError):
        return "out of memory (try a smaller --batch-size or --window)", 1
    return f"internal error ({type(error).__name__}: {error})", 1


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings as one line: ``behavert: warning: ...`` (no source line)."""
    kind = "" if issubclass(category, BehavertWarning) else f" ({category.__name__})"
    print(f"behavert: warning{kind}: {message}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
