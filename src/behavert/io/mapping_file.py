"""Keypoint mapping files: what a user edits to say which keypoint feeds which.

``.yaml`` / ``.yml`` (a plain ``source: target`` mapping, or the
``KeypointMapping.to_dict()`` layout with a ``map`` key) and ``.csv`` (a
``source,target`` header, one row per keypoint). An empty target or ``null``
leaves a keypoint out. Matching itself lives in `behavert.data.mapping`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..errors import FileProblemError
from .atomic import atomic_path

__all__ = ["load_mapping", "save_mapping"]


def load_mapping(path: str | Path) -> dict[str, str | None]:
    """Read a user-editable mapping file (source -> target; None = leave out).

    ``.yaml`` / ``.yml`` (needs PyYAML): either a plain ``source: target``
    mapping or the ``KeypointMapping.to_dict()`` layout with a ``map`` key;
    ``null`` leaves a keypoint out. ``.csv``: a ``source,target`` header then
    one row per keypoint; an empty target leaves it out.

    Raises
    ------
    FileProblemError
        Naming the file when it is missing, unreadable or malformed.
    """
    path = Path(path)
    if not path.is_file():
        raise FileProblemError(path, "mapping file not found")
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise FileProblemError(path, f"unreadable mapping file: {err}") from err
    if suffix in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError as err:  # pragma: no cover - PyYAML comes with napari
            raise FileProblemError(
                path, "reading YAML needs PyYAML (pip install pyyaml); or use CSV"
            ) from err
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise FileProblemError(path, f"invalid YAML: {err}") from err
        if isinstance(data, dict) and isinstance(data.get("map"), dict):
            data = data["map"]
        if not isinstance(data, dict):
            raise FileProblemError(
                path, "a YAML mapping file must be 'source: target' pairs"
            )
        return {str(k): None if v is None else str(v) for k, v in data.items()}
    if suffix == ".csv":
        rows = list(csv.reader(text.splitlines()))
        header = [c.strip().lower() for c in rows[0]] if rows else []
        if header[:2] != ["source", "target"]:
            raise FileProblemError(
                path, f"a CSV mapping file needs a 'source,target' header, got {header}"
            )
        out: dict[str, str | None] = {}
        for i, row in enumerate(rows[1:], start=2):
            if not row or not row[0].strip():
                continue
            if len(row) > 2:
                raise FileProblemError(path, f"line {i} has {len(row)} fields, not 2")
            target = row[1].strip() if len(row) > 1 else ""
            out[row[0].strip()] = target or None
        return out
    raise FileProblemError(path, "mapping files must be .yaml, .yml or .csv")


def save_mapping(mapping, path: str | Path) -> Path:
    """Write ``mapping`` for a user to edit (``.yaml`` / ``.yml`` or ``.csv``).

    ``mapping`` is a `behavert.data.mapping.KeypointMapping` (its ``source``,
    ``mapped`` and ``to_dict()``).
    """

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        import yaml

        text = yaml.safe_dump(mapping.to_dict(), sort_keys=False, allow_unicode=True)
    elif suffix == ".csv":
        lines = ["source,target"]
        for s in mapping.source:
            lines.append(_csv_row(s, mapping.mapped.get(s) or ""))
        text = "\n".join(lines) + "\n"
    else:
        raise FileProblemError(path, "mapping files must be .yaml, .yml or .csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return path


def _csv_row(*cells: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(cells)
    return buffer.getvalue()
