"""``--shard i/N`` for predict and embed, and ``behavert merge-shards``.

For corpora of thousands of hours the recordings are split deterministically:
the files given are sorted by their resolved path and shard ``i`` (0-based)
takes every ``N``-th one from position ``i``, so every task of a Slurm job
array (``--shard $SLURM_ARRAY_TASK_ID/$N``) given the same file list gets a
disjoint part. Output names are chosen over the whole list (so two files of
one name in different folders never collide across shards). Each shard writes
``<out>/shards/shard-<i>-of-<N>.json``: the fingerprint of the whole list and
the recordings it did with their output files. ``behavert merge-shards OUT``
checks that every recording was done exactly once and writes
``<out>/manifest.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

from ..errors import BehavertError, ConfigError
from ..io.names import recording_names
from .common import write_json

__all__ = ["Shard", "add_shard", "merge_shards", "register", "write_shard_manifest"]

SHARD_DIR = "shards"
MANIFEST = "manifest.json"
_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def _shard_spec(text: str) -> tuple[int, int]:
    match = _SPEC.match(text)
    if not match or not 0 <= int(match.group(1)) < int(match.group(2)):
        raise argparse.ArgumentTypeError(
            f"must be i/N with 0 <= i < N (e.g. 0/4), got {text!r}"
        )
    return int(match.group(1)), int(match.group(2))


def add_shard(p: argparse.ArgumentParser) -> None:
    """``--shard i/N``: process only shard ``i`` of ``N`` of the recordings."""
    p.add_argument(
        "--shard",
        type=_shard_spec,
        default=None,
        metavar="i/N",
        help="only shard i (0-based) of N of the recordings (sorted by path); "
        "then `behavert merge-shards OUT` checks every recording was done once",
    )


class Shard:
    """The recordings one shard processes, with names chosen over all of them."""

    def __init__(self, paths, spec: tuple[int, int] | None) -> None:
        resolved = sorted({str(Path(p).resolve()) for p in paths})
        if len(resolved) != len(paths):
            raise ConfigError("the same pose file is given twice")
        names = recording_names([SimpleNamespace(path=Path(p)) for p in resolved])
        self.index, self.count = spec or (0, 1)
        self.all = list(zip(resolved, names))
        self.mine = self.all[self.index :: self.count]
        text = "\n".join(resolved).encode()
        self.fingerprint = hashlib.sha256(text).hexdigest()[:16]

    @property
    def paths(self) -> list[str]:
        return [p for p, _ in self.mine]

    @property
    def names(self) -> list[str]:
        return [n for _, n in self.mine]


def write_shard_manifest(out: Path, shard: Shard, outputs: dict[str, list[str]]):
    """``<out>/shards/shard-<i>-of-<N>.json``: what this shard did."""
    folder = Path(out) / SHARD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    data = {
        "shard": shard.index,
        "of": shard.count,
        "recordings_total": len(shard.all),
        "list_fingerprint": shard.fingerprint,
        "done": {p: outputs.get(n, []) for p, n in shard.mine},
    }
    return write_json(folder / f"shard-{shard.index}-of-{shard.count}.json", data)


def merge_shards(out: str | Path) -> dict:
    """Check the shard manifests in ``out``; write and return ``manifest.json``.

    Raises
    ------
    BehavertError
        Naming the folder and what is wrong: no manifests, shards of different
        file lists or counts, a missing shard, a recording done twice.
    """
    out = Path(out)
    files = sorted((out / SHARD_DIR).glob("shard-*-of-*.json"))
    if not files:
        raise BehavertError(f"{out}: no shard manifests in {out / SHARD_DIR}")
    shards = [json.loads(f.read_text()) for f in files]
    lists = {(s["list_fingerprint"], s["of"], s["recordings_total"]) for s in shards}
    if len(lists) > 1:
        raise BehavertError(
            f"{out}: the shards were run on different file lists or shard counts "
            f"({len(lists)} variants); rerun them with the same files and N"
        )
    (_, count, total) = lists.pop()
    missing = sorted(set(range(count)) - {s["shard"] for s in shards})
    if missing:
        raise BehavertError(f"{out}: shard(s) {missing} of {count} have not run")
    done = Counter(p for s in shards for p in s["done"])
    twice = sorted(p for p, n in done.items() if n > 1)
    if twice or len(done) != total:
        raise BehavertError(
            f"{out}: {len(done)} of {total} recordings done"
            + (f"; done more than once: {twice[:5]}" if twice else "")
        )
    outputs = {p: o for s in shards for p, o in s["done"].items()}
    manifest = {"recordings": len(outputs), "shards": count, "outputs": outputs}
    write_json(out / MANIFEST, manifest)
    return manifest


def register(sub) -> None:
    p = sub.add_parser(
        "merge-shards", help="check that sharded predict/embed did every recording"
    )
    p.add_argument("out", help="the --out folder the shards wrote into")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    manifest = merge_shards(args.out)
    print(
        f"{manifest['recordings']} recordings done exactly once by "
        f"{manifest['shards']} shard(s): {Path(args.out) / MANIFEST}"
    )
    return 0
