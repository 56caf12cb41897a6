"""Helpers of the bad-input corpus (imported by its conftest and tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from behavert.cli import app

TINY = ["--preset", "tiny", "--steps", "3", "--batch-size", "4", "--window", "64"]
ETHOME = "labelled/ethome_resident_intruder"


@dataclass
class Corpus:
    folder: Path
    poses: Path  # synthetic DLC CSV, 300 frames
    labels: Path  # its per-frame label CSV
    run: Path  # a tiny frame classifier trained on it
    pretrained: Path  # a tiny pretrained run on it


def run_cli(argv, capsys) -> tuple[int, str]:
    """Exit code and stderr of ``behavert argv`` (argparse errors included)."""
    capsys.readouterr()
    try:
        code = app([str(a) for a in argv])
    except SystemExit as exit_:
        code = exit_.code
    return code, capsys.readouterr().err


def read_dlc_csv_lines(path: Path) -> tuple[list[str], list[str]]:
    """Header lines and data lines of a DLC CSV (header: scorer..coords)."""
    lines = Path(path).read_text().splitlines()
    n_head = 4 if lines[1].lower().startswith("individuals") else 3
    return lines[:n_head], lines[n_head:]


def emptied_first_frame(path: Path, out: Path) -> Path:
    """A copy of a DLC CSV whose frame 0 has every coordinate cell empty."""
    head, rows = read_dlc_csv_lines(path)
    cells = rows[0].split(",")
    rows[0] = ",".join([cells[0], *[""] * (len(cells) - 1)])
    out.write_text("\n".join([*head, *rows]) + "\n")
    return out


def predictions(folder: Path) -> pd.DataFrame:
    (csv,) = Path(folder).glob("*_behaviour.csv")
    return pd.read_csv(csv)


def finite_rows(table: pd.DataFrame) -> np.ndarray:
    return table.filter(like="p_").to_numpy()
