"""Motif sequences: bouts, smoothing, usage, transitions and group statistics.

A motif sequence is a ``(time,)`` int array (cluster labels from
`behavert.analysis.clustering` or behaviour classes); negative values mean
"no motif" (noise, padding, missing frames) and are left out of usage and
transition counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score

from ..io.bouts import value_runs

__all__ = [
    "MotifMatch",
    "benjamini_hochberg",
    "bout_durations",
    "bouts",
    "compare_groups",
    "match_motifs_to_labels",
    "motif_usage",
    "smooth_bouts",
    "transition_matrix",
]


def _labels(labels) -> np.ndarray:
    y = np.asarray(labels)
    if y.ndim != 1:
        raise ValueError(f"labels must be (time,); got shape {y.shape}")
    return y.astype(int)


def _runs(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(values, starts, durations)`` of the runs of equal labels."""
    values, starts, stops = value_runs(y)
    return values, starts, stops - starts


def bouts(labels) -> pd.DataFrame:
    """List the runs (bouts) of equal labels.

    Parameters
    ----------
    labels
        ``(time,)`` int motif per frame.

    Returns
    -------
    pandas.DataFrame
        One row per bout: ``label``, ``start``, ``stop`` (exclusive) and
        ``duration`` (frames).
    """
    values, starts, durations = _runs(_labels(labels))
    return pd.DataFrame(
        {
            "label": values,
            "start": starts,
            "stop": starts + durations,
            "duration": durations,
        }
    )


def smooth_bouts(labels, min_bout: int) -> np.ndarray:
    """Merge bouts shorter than ``min_bout`` frames into their neighbours.

    Short bouts are removed from the shortest up: in pass ``L = 1, 2, ...,
    min_bout - 1`` every bout of exactly ``L`` frames, left to right, takes
    the label of its longer neighbour (the previous one on a tie; at either
    end the only neighbour). Neighbours that end up with equal labels merge.
    The result is deterministic and has no bout shorter than ``min_bout``
    unless the whole sequence is shorter.

    Parameters
    ----------
    labels
        ``(time,)`` int motif per frame.
    min_bout
        Minimal bout length in frames (``<= 1`` returns a copy).

    Returns
    -------
    numpy.ndarray
        ``(time,)`` smoothed labels.
    """
    y = _labels(labels)
    values, _, durations = _runs(y)
    vals, durs = values.tolist(), durations.tolist()
    for length in range(1, int(min_bout)):
        if len(vals) <= 1:
            break
        out_v: list[int] = []
        out_d: list[int] = []
        i = 0
        while i < len(vals):
            v, d = vals[i], durs[i]
            if d == length and (out_v or i + 1 < len(vals)):
                prev_d = out_d[-1] if out_v else -1
                next_d = durs[i + 1] if i + 1 < len(vals) else -1
                if prev_d >= next_d:
                    out_d[-1] += d
                    i += 1
                    continue
                durs[i + 1] += d  # the next bout absorbs this one
                i += 1
                continue
            if out_v and out_v[-1] == v:
                out_d[-1] += d
            else:
                out_v.append(v)
                out_d.append(d)
            i += 1
        vals, durs = out_v, out_d
    return np.repeat(np.asarray(vals, dtype=int), np.asarray(durs, dtype=int))


def motif_usage(labels, n: int, by: str = "frames") -> np.ndarray:
    """Fraction of frames (or bouts) spent in each motif.

    Parameters
    ----------
    labels
        ``(time,)`` int motif per frame; negative values are ignored.
    n
        Number of motifs (labels ``>= n`` raise).
    by
        ``"frames"`` (time share) or ``"bouts"`` (share of bouts).

    Returns
    -------
    numpy.ndarray
        ``(n,)`` usage summing to 1 (all zeros if no frame has a motif).
    """
    y = _labels(labels)
    if by == "bouts":
        y = _runs(y)[0]
    elif by != "frames":
        raise ValueError(f"by must be 'frames' or 'bouts'; got {by!r}")
    y = y[y >= 0]
    if len(y) and y.max() >= n:
        raise ValueError(f"label {y.max()} is out of range for n={n} motifs")
    counts = np.bincount(y, minlength=n).astype(np.float64)
    return counts / counts.sum() if counts.sum() else counts


def bout_durations(labels, n: int | None = None, fps: float | None = None):
    """Bout-duration summary per motif.

    Parameters
    ----------
    labels
        ``(time,)`` int motif per frame; negative values are ignored.
    n
        Number of motifs (default ``max label + 1``); motifs without bouts get
        ``n_bouts = 0`` and NaN durations.
    fps
        Frames per second; durations are in seconds when given, else frames.

    Returns
    -------
    pandas.DataFrame
        Index ``motif``; columns ``n_bouts``, ``mean``, ``median``, ``max``
        and ``total`` duration.
    """
    table = bouts(labels)
    table = table[table["label"] >= 0]
    n = int(table["label"].max() + 1 if n is None and len(table) else n or 0)
    scale = 1.0 / fps if fps else 1.0
    dur = table["duration"].astype(np.float64) * scale
    grouped = dur.groupby(table["label"])
    out = pd.DataFrame(
        {
            "n_bouts": grouped.size(),
            "mean": grouped.mean(),
            "median": grouped.median(),
            "max": grouped.max(),
            "total": grouped.sum(),
        }
    ).reindex(range(n))
    out["n_bouts"] = out["n_bouts"].fillna(0).astype(int)
    out.index.name = "motif"
    return out


def transition_matrix(labels, n: int, self: bool = False) -> np.ndarray:
    """Row-normalised motif transition probabilities.

    Parameters
    ----------
    labels
        ``(time,)`` int motif per frame; transitions into or out of negative
        labels are not counted.
    n
        Number of motifs.
    self
        ``False``: transitions between consecutive bouts (diagonal 0);
        ``True``: frame-to-frame transitions, self-transitions included.

    Returns
    -------
    numpy.ndarray
        ``(n, n)`` from-motif x to-motif; each row with any transition sums to
        1, rows of motifs never left are 0.
    """
    y = _labels(labels)
    if not self:
        y = _runs(y)[0]
    a, b = y[:-1], y[1:]
    keep = (a >= 0) & (b >= 0)
    if not self:
        keep &= a != b
    a, b = a[keep], b[keep]
    if len(a) and max(a.max(), b.max()) >= n:
        raise ValueError(f"label {max(a.max(), b.max())} is out of range for n={n}")
    counts = np.zeros((n, n))
    np.add.at(counts, (a, b), 1.0)
    rows = counts.sum(axis=1, keepdims=True)
    return counts / np.where(rows > 0, rows, 1.0)


def benjamini_hochberg(p) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (NaN p-values stay NaN).

    Parameters
    ----------
    p
        ``(test,)`` p-values.

    Returns
    -------
    numpy.ndarray
        ``(test,)`` adjusted p-values (monotone, capped at 1).
    """
    p = np.asarray(p, dtype=np.float64)
    out = np.full_like(p, np.nan)
    ok = np.isfinite(p)
    q = p[ok]
    m = len(q)
    if m == 0:
        return out
    order = np.argsort(q)
    ranked = q[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    adj = np.empty(m)
    adj[order] = np.minimum(ranked, 1.0)
    out[ok] = adj
    return out


def compare_groups(usage_by_recording: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Test every motif's usage for a difference between groups.

    Two groups use the two-sided Mann-Whitney U test, more groups the
    Kruskal-Wallis test (scipy); p-values are Benjamini-Hochberg adjusted over
    motifs.

    Parameters
    ----------
    usage_by_recording
        Rows = recordings, columns = motifs (e.g. stacked `motif_usage`).
    groups
        Group (e.g. genotype) of each recording, indexed like the rows;
        recordings without a group are left out.

    Returns
    -------
    pandas.DataFrame
        One row per motif: ``motif``, ``mean_<group>`` per group (sorted
        group names), ``statistic``, ``p``, ``p_adjusted`` and ``test``,
        in the order of the columns of ``usage_by_recording``.
    """
    g = pd.Series(groups).reindex(usage_by_recording.index)
    keep = g.notna()
    data, g = usage_by_recording[keep], g[keep]
    names = sorted(g.unique().tolist(), key=str)
    if len(names) < 2:
        raise ValueError(f"need at least 2 groups to compare; got {names}")
    test = "mann-whitney-u" if len(names) == 2 else "kruskal-wallis"
    rows = []
    for motif in data.columns:
        samples = [data.loc[g == name, motif].to_numpy(float) for name in names]
        samples = [s[np.isfinite(s)] for s in samples]
        row = {"motif": motif}
        for name, s in zip(names, samples):
            row[f"mean_{name}"] = float(s.mean()) if len(s) else np.nan
        row["statistic"], row["p"] = _test(samples, test)
        rows.append(row)
    out = pd.DataFrame(rows)
    out["p_adjusted"] = benjamini_hochberg(out["p"].to_numpy())
    out["test"] = test
    return out


def _test(samples: list[np.ndarray], test: str) -> tuple[float, float]:
    if any(len(s) == 0 for s in samples):
        return np.nan, np.nan
    if np.ptp(np.concatenate(samples)) == 0:
        return np.nan, 1.0  # all values equal: no evidence of a difference
    if test == "mann-whitney-u":
        res = stats.mannwhitneyu(samples[0], samples[1], alternative="two-sided")
    else:
        res = stats.kruskal(*samples)
    return float(res.statistic), float(res.pvalue)


@dataclass
class MotifMatch:
    """How well unsupervised motifs match behaviour labels.

    Attributes
    ----------
    ari
        Adjusted Rand index of motifs against labels.
    contingency
        DataFrame, rows = motifs, columns = labels, frame counts.
    mapping
        Motif -> label, the one-to-one assignment (Hungarian algorithm)
        maximising matched frames; motifs left over are absent.
    accuracy
        Fraction of frames whose motif maps to their label.
    """

    ari: float
    contingency: pd.DataFrame
    mapping: dict
    accuracy: float


def match_motifs_to_labels(
    motifs, labels, names=None, ignore_index: int = -100
) -> MotifMatch:
    """Compare motifs with behaviour labels: ARI, contingency, best mapping.

    Parameters
    ----------
    motifs
        ``(time,)`` int motif per frame.
    labels
        ``(time,)`` int behaviour per frame; frames where either is negative
        or equal to ``ignore_index`` are left out.
    names
        Behaviour names indexed by label value, used as contingency columns
        and mapping values (default: the label values).

    Returns
    -------
    MotifMatch
    """
    m, y = _labels(motifs), _labels(labels)
    if m.shape != y.shape:
        raise ValueError(f"motifs {m.shape} and labels {y.shape} differ in length")
    keep = (m >= 0) & (y >= 0) & (y != ignore_index)
    m, y = m[keep], y[keep]
    if len(m) == 0:
        raise ValueError("no frame has both a motif and a label")
    rows, cols = np.unique(m), np.unique(y)
    table = pd.crosstab(pd.Series(m, name="motif"), pd.Series(y, name="label"))
    table = table.reindex(index=rows, columns=cols, fill_value=0)
    r, c = linear_sum_assignment(-table.to_numpy())
    col_names = [names[int(v)] for v in cols] if names is not None else list(cols)
    mapping = {int(rows[i]): col_names[j] for i, j in zip(r, c)}
    matched = table.to_numpy()[r, c].sum()
    table.columns = pd.Index(col_names, name="label")
    return MotifMatch(
        ari=float(adjusted_rand_score(y, m)),
        contingency=table,
        mapping=mapping,
        accuracy=float(matched / len(m)),
    )
