"""The parser of every command and the ``behavert`` console-script entry."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from ..errors import BehavertError
from . import (
    analyze,
    benchmark,
    demo,
    embed,
    evaluate,
    info,
    predict,
    pretrain,
    train,
    transfer,
)

#: command modules in the order ``behavert --help`` lists them
COMMANDS = (
    info,
    pretrain,
    train,
    predict,
    embed,
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
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


def app(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``behavert`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    try:
        return int(args.func(args) or 0)
    except BehavertError as error:
        print(f"behavert: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("behavert: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
