"""DeepLabCut pose tables: predictions (.h5/.csv) and labelled data (CollectedData).

Column layouts read (pandas ``MultiIndex`` columns):

* single animal: ``scorer / bodyparts / coords``;
* multi-animal (maDLC): ``scorer / individuals / bodyparts / coords``; unique
  body parts (individual ``single``) become their own individual named
  ``"single"`` whose other keypoints are NaN (and the animals' keypoints list the
  unique parts as NaN too), so every individual shares one keypoint list;
* legacy two-animal tables with body-part prefixes (``B_Nose``, ``W_Nose``):
  individuals ``B``, ``W`` with the prefix stripped (see :func:`split_prefixes`);
* coords ``x, y[, z][, likelihood]``; ``z`` gives 3D poses.

Missing points are NaN, and ``x == y == likelihood == 0`` is read as missing.
Labelled-data files (index = image paths, coords ``x, y``) get ``frame_index``
from the image numbers and keep the paths in ``metadata["image_paths"]``. They are
read with pandas too: ``sleap_io.load_dlc`` (0.9.5) keeps only frames whose images
exist on disk, so it returns no frames when the PNGs are absent.

``position`` is, where the column layout allows, a strided view onto the table
that pandas read (no copy), so loading stays close to ``pandas.read_hdf`` speed.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np

from ..errors import CorruptFileError, FileProblemError, NotAPoseTableError
from .load import register_loader
from .poses import Poses
from .validate import hdf5_keys, read_text_head

log = logging.getLogger(__name__)

__all__ = [
    "dlc_table_to_poses",
    "load_dlc",
    "read_dlc_table",
    "sniff_dlc",
    "split_prefixes",
]

_COORDS = ("x", "y", "z", "likelihood")
#: First words of prefixes that name a body side, never an animal.
_SIDE_WORDS = {
    "l", "r", "left", "right", "front", "fore", "back", "hind", "upper", "lower",
    "top", "bottom", "inner", "outer", "mid", "middle", "lat", "tail", "spine",
    "ear", "eye", "paw", "hip", "center", "centre",
}  # fmt: skip


# ------------------------------------------------------------------ sniffing
def _csv_header_rows(lines: list[str]) -> int:
    """Return 3 or 4 header rows for a DLC CSV, 0 when it is not one."""
    first = [line.split(",", 1)[0].strip().strip('"').lower() for line in lines]
    if len(first) < 3 or first[0] != "scorer":
        return 0
    if first[1] == "individuals" and len(first) >= 4 and first[3] == "coords":
        return 4
    if first[1] == "bodyparts" and first[2] == "coords":
        return 3
    return 0


def sniff_dlc(path: Path) -> bool:
    """Return True for a DLC table: a pandas HDF5 store or a DLC-header CSV."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return _csv_header_rows(read_text_head(path, 4)) > 0
    keys = hdf5_keys(path)  # raises UnknownFormatError when not HDF5
    return any("pandas_type" in attrs for attrs in keys.values())


# ------------------------------------------------------------------ reading
def read_dlc_table(path: str | Path):
    """Read a DLC table into a ``pandas.DataFrame`` with MultiIndex columns.

    Raises
    ------
    NotAPoseTableError
        The file holds no table with DLC columns.
    """
    import pandas as pd

    path = Path(path)
    if path.suffix.lower() == ".csv":
        n_rows = _csv_header_rows(read_text_head(path, 4))
        if not n_rows:
            raise NotAPoseTableError(
                path, "no DeepLabCut header (scorer/bodyparts/coords rows)"
            )
        return _read_dlc_csv(path, n_rows)
    try:
        return pd.read_hdf(path)
    except ValueError as exc:
        if "key must be provided" not in str(exc):
            raise
    keys = [k for k, attrs in hdf5_keys(path).items() if "pandas_type" in attrs]
    key = "df_with_missing" if "df_with_missing" in keys else keys[0]
    log.info("%s holds several tables %s; reading %r", path, keys, key)
    return pd.read_hdf(path, key=key)


def _read_dlc_csv(path: Path, n_rows: int):
    """A DLC CSV with its ``n_rows`` header rows parsed apart from the data.

    ``pandas.read_csv(header=[0, 1, 2, 3])`` takes a first data row whose
    coordinates are all empty (frame 0 with no detection, common at the start
    of a video) for the index-name row and drops it, shifting every later
    frame; here every data row is a frame.
    """
    import csv

    import pandas as pd

    head = [next(csv.reader([line])) for line in read_text_head(path, n_rows)]
    cells = [c.strip().strip('"').lower() for c in head[-1]]
    n_index = max(next((i for i, c in enumerate(cells) if c in _COORDS), 1), 1)
    width = min(len(row) for row in head)
    columns = pd.MultiIndex.from_arrays(
        [[c.strip() for c in row[n_index:width]] for row in head],
        names=[row[0].strip() for row in head],
    )
    try:
        table = pd.read_csv(
            path,
            header=None,
            skiprows=n_rows,
            index_col=list(range(n_index)),
            usecols=range(width),
        )
    except pd.errors.EmptyDataError:  # header rows only: no frames
        return pd.DataFrame(index=pd.RangeIndex(0), columns=columns, dtype=float)
    table.columns = columns
    table.index.names = [None] * n_index
    return table


def split_prefixes(bodyparts: list[str]) -> tuple[list[str], list[str]] | None:
    """Split legacy two-animal names (``B_Nose``, ``W_Nose``) into (animal, part).

    A prefix (text before the first ``_``) is detected only when every body part
    has one, there are at least two distinct prefixes, every prefix carries the
    same set of stripped names, and no prefix is a body-side word (``Left_``,
    ``R_`` ...).

    Returns
    -------
    (prefixes, names) or None
        Per body part, its animal prefix and stripped name; None when the names
        are not prefixed.
    """
    parts = [str(b).split("_", 1) for b in bodyparts]
    if any(len(p) != 2 or not p[0] or not p[1] for p in parts):
        return None
    groups: dict[str, list[str]] = {}
    for prefix, name in parts:
        groups.setdefault(prefix, []).append(name)
    if len(groups) < 2 or any(p.lower() in _SIDE_WORDS for p in groups):
        return None
    sets = [sorted(names) for names in groups.values()]
    if any(s != sets[0] for s in sets) or len(set(sets[0])) != len(sets[0]):
        return None
    return [p[0] for p in parts], [p[1] for p in parts]


def _unique(values) -> list[str]:
    return list(dict.fromkeys(str(v) for v in values))


def dlc_table_to_poses(df, path: str | Path | None = None) -> Poses:
    """Convert a DLC DataFrame to :class:`Poses` (vectorised, one reshape).

    Parameters
    ----------
    df
        ``(time, column)`` table with MultiIndex columns ending in
        ``bodyparts / coords`` (optionally ``individuals`` before them).
    path
        The file, for error messages.

    Raises
    ------
    NotAPoseTableError
        The columns are not ``x, y[, z][, likelihood]`` per body part.
    """
    columns = df.columns
    if columns.nlevels < 2:
        raise NotAPoseTableError(path, "columns are not a bodyparts/coords header")
    names = [str(n).lower() if n is not None else "" for n in columns.names]
    coord_level = columns.nlevels - 1
    bp_level = names.index("bodyparts") if "bodyparts" in names else coord_level - 1
    if "individuals" in names:
        ind_level = names.index("individuals")
    else:
        ind_level = 1 if columns.nlevels == 4 else None
    coords = np.array([str(c).lower() for c in columns.get_level_values(coord_level)])
    if not set(coords) <= set(_COORDS) or not {"x", "y"} <= set(coords):
        found = ", ".join(_unique(coords)[:6])
        raise NotAPoseTableError(
            path, f"coords must be x, y[, z][, likelihood], found {found}"
        )
    bodyparts = [str(b) for b in columns.get_level_values(bp_level)]
    if ind_level is not None:
        individuals = [str(i) for i in columns.get_level_values(ind_level)]
    else:
        split = split_prefixes(_unique(bodyparts))
        if split is None:
            individuals = ["individual_0"] * len(bodyparts)
        else:
            lookup = dict(zip(_unique(bodyparts), zip(*split)))
            individuals = [lookup[b][0] for b in bodyparts]
            bodyparts = [lookup[b][1] for b in bodyparts]
    _check_unique_columns(individuals, bodyparts, coords, path)
    ind_names, kp_names = _unique(individuals), _unique(bodyparts)
    if "single" in ind_names:  # unique body parts: keep them last
        ind_names = [i for i in ind_names if i != "single"] + ["single"]
    ind_of = {n: i for i, n in enumerate(ind_names)}
    kp_of = {n: i for i, n in enumerate(kp_names)}
    ii = np.array([ind_of[i] for i in individuals])
    kk = np.array([kp_of[k] for k in bodyparts])
    n_space = 3 if "z" in coords else 2
    values = df.to_numpy(dtype=np.float64)  # (time, column), often a view
    if not values.flags.writeable:  # copy-on-write view of our own, fresh table
        try:
            values.setflags(write=True)
        except ValueError:
            values = values.copy()
    shape = (values.shape[0], len(ind_names), len(kp_names))
    grid, space, lik = _grid(values, coords, ii, kk, shape, n_space)
    missing = _mark_missing(grid, space, lik)  # None when there is a likelihood
    if space == list(range(space[0], space[0] + n_space)):
        position = grid[..., space[0] : space[0] + n_space]  # a view, no copy
    else:
        position = grid[..., space]
    if lik is None:
        confidence = np.ones(shape)
        confidence[missing] = np.nan
    else:
        confidence = grid[..., lik]
    scorer = _unique(re.sub(r"\.\d+$", "", str(s)) for s in columns.get_level_values(0))
    metadata = {"scorer": scorer[0] if scorer else None}
    frame_index = _frame_index(df.index, metadata, path)
    return Poses(
        position=position,
        confidence=confidence,
        keypoints=tuple(kp_names),
        individuals=tuple(ind_names),
        frame_index=frame_index,
        source="dlc",
        path=None if path is None else Path(path),
        metadata=metadata,
    )


def _check_unique_columns(individuals, bodyparts, coords, path) -> None:
    """Refuse a header that names one body part twice (one individual, one coord).

    Raises
    ------
    FileProblemError
        Naming the file and the duplicated body parts: the two columns would
        silently overwrite each other.
    """
    seen: set[tuple[str, str, str]] = set()
    repeated: dict[str, None] = {}
    for triple in zip(individuals, bodyparts, coords):
        if triple in seen:
            name = triple[1] if len(set(individuals)) == 1 else "/".join(triple[:2])
            repeated[name] = None
        seen.add(triple)
    if repeated:
        names = ", ".join(repr(n) for n in repeated)
        raise FileProblemError(
            path,
            f"the header names {len(repeated)} body part(s) twice: {names}; "
            "rename them so that every body part is unique",
        )


def _grid(values, coords, ii, kk, shape, n_space):
    """Arrange ``(time, column)`` values as ``(time, individual, keypoint, coord)``.

    A regular table (every individual with every body part and the same coords)
    is only reshaped (a view when the strides allow it, as in both pandas block
    layouts); other tables are scattered into a new array.

    Returns
    -------
    grid, space, lik
        The array, the coord indices of x, y[, z] and of the likelihood (or None).
    """
    n_time, n_ind, n_kp = shape
    n_coord = len(_unique(coords))
    groups = len(coords) // max(n_coord, 1)
    regular = (
        groups * n_coord == len(coords) == n_ind * n_kp * n_coord
        and (coords.reshape(groups, n_coord) == coords[:n_coord]).all()
        and (ii[::n_coord] == np.repeat(np.arange(n_ind), n_kp)).all()
        and (kk[::n_coord] == np.tile(np.arange(n_kp), n_ind)).all()
    )
    if regular:
        order = list(coords[:n_coord])
    else:
        order = [c for c in ("x", "y", "z", "likelihood") if c in coords]
    space = [order.index(c) for c in "xyz"[:n_space]]
    lik = order.index("likelihood") if "likelihood" in order else None
    if regular:
        return values.reshape(n_time, n_ind, n_kp, n_coord), space, lik
    grid = np.full((*shape, len(order)), np.nan)
    for c, coord in enumerate(order):
        sel = coords == coord
        grid[:, ii[sel], kk[sel], c] = values[:, sel]
    return grid, space, lik


def _mark_missing(grid, space, lik) -> np.ndarray | None:
    """Set missing points to NaN in place; return the ``missing`` mask if needed.

    ``x == y == likelihood == 0`` (how some maDLC files store undetected points)
    becomes NaN; the likelihood is NaN wherever a coordinate is NaN.

    ``grid`` is usually a strided view onto the table pandas read, so each
    element-wise pass costs about as much as reading the table. The common case
    (no exact zero, few NaN) makes two passes over the rows in memory order:
    ``np.all`` (is any value exactly 0?) and a row sum (NaN propagates, so a NaN
    sum marks a row holding a NaN). Only those rows are copied out and examined
    point by point; the exact zero rule runs only when some value is 0.

    Parameters
    ----------
    grid
        ``(time, individual, keypoint, coord)`` float64, writable.
    space
        Coord indices of x, y[, z].
    lik
        Coord index of the likelihood, or None.

    Returns
    -------
    np.ndarray or None
        Without a likelihood: ``(time, individual, keypoint)`` bool, True where
        the point is missing (the caller builds the confidence from it). With a
        likelihood: None (the likelihood itself now carries the NaN).
    """
    n_time = grid.shape[0]
    missing = np.zeros(grid.shape[:3], dtype=bool) if lik is None else None
    if grid.size == 0:
        return missing
    flat = grid.reshape(n_time, -1)  # (time, individual * keypoint * coord)
    if lik is not None and not np.all(flat):  # some value is exactly 0
        zero = grid[..., lik] == 0
        zero &= grid[..., space[0]] == 0
        zero &= grid[..., space[1]] == 0
        for s in space:
            np.copyto(grid[..., s], np.nan, where=zero)
    rows = np.flatnonzero(np.isnan(np.add.reduce(flat, axis=1)))
    if not rows.size:
        return missing
    nan = np.isnan(grid[rows])  # (row, individual, keypoint, coord), a copy
    found = nan[..., space[0]].copy()
    for s in space[1:]:
        found |= nan[..., s]
    if missing is not None:
        missing[rows] = found
        return missing
    found &= ~nan[..., lik]  # missing points whose likelihood is not NaN yet
    if found.any():
        t, i, k = np.nonzero(found)
        grid[rows[t], i, k, lik] = np.nan
    return None


def _frame_index(index, metadata: dict, path=None) -> np.ndarray:
    """Integer index -> frame numbers; image paths -> numbers in the file names.

    A float index of whole numbers (``0.0``) is frame numbers too; one with
    empty cells is refused (`FileProblemError` naming the file and count).
    """
    n = len(index)
    from pandas.api.types import is_float_dtype, is_integer_dtype

    if index.nlevels == 1 and is_integer_dtype(index.dtype):
        return index.to_numpy(dtype=np.int64)
    if index.nlevels == 1 and is_float_dtype(index.dtype) and n:
        numbers = index.to_numpy(dtype=np.float64)
        empty = int(np.isnan(numbers).sum())
        if empty:
            raise FileProblemError(
                path,
                f"{empty} row(s) have no frame number in the first column; "
                "every row needs its frame number",
            )
        if (numbers == np.round(numbers)).all():
            return numbers.astype(np.int64)
    if index.nlevels > 1:
        paths = ["/".join(str(p) for p in row) for row in index]
    else:
        paths = [str(p) for p in index]
    metadata["image_paths"] = paths
    metadata["kind"] = "labelled-data"
    numbers = [re.findall(r"(\d+)\D*$", re.split(r"[\\/]", p)[-1]) for p in paths]
    if all(numbers):
        frames = np.array([int(m[-1]) for m in numbers], dtype=np.int64)
        if len(np.unique(frames)) == n:
            return frames
    return np.arange(n, dtype=np.int64)


def _config_skeleton(path: Path, keypoints: tuple[str, ...]) -> tuple:
    """Edges from a DLC project's ``config.yaml`` next to (or above) the file."""
    for folder in (path.parent, path.parent.parent, path.parent.parent.parent):
        config = folder / "config.yaml"
        if config.is_file():
            break
    else:
        return ()
    try:
        import yaml

        with open(config, encoding="utf-8") as fh:
            skeleton = (yaml.safe_load(fh) or {}).get("skeleton") or []
    except Exception as exc:  # an unreadable config must not stop the poses
        log.warning("ignoring %s: %s", config, exc)
        return ()
    index = {k: i for i, k in enumerate(keypoints)}
    return tuple(
        (index[a], index[b])
        for pair in skeleton
        if isinstance(pair, (list, tuple)) and len(pair) == 2
        for a, b in [pair]
        if a in index and b in index
    )


@register_loader("dlc", suffixes=(".h5", ".hdf5", ".csv"), sniff=sniff_dlc)
def load_dlc(path: str | Path) -> Poses:
    """Read a DeepLabCut prediction or labelled-data file (.h5 or .csv).

    Returns
    -------
    Poses
        ``position (time, individual, keypoint, space)``; individuals in file
        order (``"individual_0"`` for single-animal files).
    """
    path = Path(path)
    try:
        df = read_dlc_table(path)
    except (NotAPoseTableError, CorruptFileError):
        raise
    except (OSError, KeyError, ValueError, TypeError, IndexError) as exc:
        raise CorruptFileError(
            path, f"DeepLabCut table cannot be read ({type(exc).__name__}: {exc})"
        ) from exc
    poses = dlc_table_to_poses(df, path)
    edges = _config_skeleton(path, poses.keypoints)
    return poses.replace(edges=edges) if edges else poses
