"""The keypoint vocabulary: name normalisation, synonyms, roles and default edges.

One home for everything that reads meaning into a keypoint's name: the
tokenizer's relation candidates (`behavert.data.features`), the keypoint
mapping between skeletons (`behavert.data.mapping`), the kinematic axes of
`behavert.analysis.kinematics` and the default skeleton edges that
``load_poses`` adds to files without any.

- `normalise_name`: lower case, letters and digits only (``"Tail_Base"`` ->
  ``"tailbase"``);
- `normalise_keypoint`: ``(side, part)`` with left/right recognised as words,
  single letters or glued prefixes (``leftear`` = ``Ear_L`` = ``Left ear``);
- `DEFAULT_SYNONYMS` / `WEAK_SYNONYMS` and `canonical_part`;
- `find_keypoint`: the first keypoint matching candidate names;
- `ROLES` and `default_edges`: a mouse skeleton guessed from the names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

__all__ = [
    "DEFAULT_SYNONYMS",
    "NOSE_NAMES",
    "ROLES",
    "TAIL_NAMES",
    "WEAK_SYNONYMS",
    "canonical_part",
    "default_edges",
    "find_keypoint",
    "name_tokens",
    "normalise_keypoint",
    "normalise_name",
]


def normalise_name(name: str) -> str:
    """Lower-case a keypoint name and drop everything but letters and digits."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


#: canonical body part -> names of the same part (normalised, no side)
DEFAULT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "nose": ("nose", "snout", "nosetip", "rostrum", "beak"),
    "ear": ("ear", "ears"),
    "eye": ("eye", "eyes"),
    "head": ("head", "headcentre", "headcenter", "headcentroid", "skull"),
    "neck": ("neck", "nape", "shoulder", "shoulders", "withers"),
    "spine": (
        "spine", "center", "centre", "centroid", "bodycenter", "bodycentre",
        "body", "mid", "midbody", "back", "spine1", "spine2", "spine3",
        "spinemid", "thorax", "trunk",
    ),
    "hip": ("hip", "hips", "bhip", "pelvis", "haunch"),
    "fhip": ("fhip", "shoulderblade"),
    "forepaw": (
        "forepaw", "frontpaw", "fpaw", "forelimb", "frontlimb", "hand",
        "forefoot", "frontfoot", "arm",
    ),
    "hindpaw": (
        "hindpaw", "hpaw", "backpaw", "rearpaw", "hindlimb", "hindfoot",
        "foot", "backfoot", "leg",
    ),
    "tailbase": (
        "tailbase", "tailroot", "baseoftail", "tail0", "butt",
        "buttproximaltail", "proximaltail", "rump", "anus", "tailstart",
    ),
    "tailmid": ("tailmid", "tailmiddle", "tailcentre", "tailcenter", "midtail"),
    "tailtip": ("tailtip", "tailend", "tailtop", "distaltail", "tailtail"),
}  # fmt: skip

#: canonical part -> weaker stand-ins, used only if the target lacks the part
WEAK_SYNONYMS: dict[str, tuple[str, ...]] = {
    "neck": ("head",),
    "head": ("neck",),
    "tailbase": ("tail", "tail1"),
    "tailmid": ("tail1", "tail2"),
    "tailtip": ("tail3", "tail2"),
}

SIDES = {"left": "left", "l": "left", "lft": "left", "right": "right", "r": "right",
          "rt": "right"}  # fmt: skip


def name_tokens(name: str) -> list[str]:
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))  # camelCase / wingL
    text = re.sub(r"([A-Za-z])(\d)", r"\1 \2", text)
    return [t for t in re.split(r"[^a-z0-9]+", text.lower()) if t]


def normalise_keypoint(name: str) -> tuple[str, str]:
    """Split a keypoint name into ``(side, part)``.

    ``side`` is ``"left"``, ``"right"`` or ``""``; ``part`` is the rest in
    lower case without separators (digits kept).

    Examples
    --------
    >>> normalise_keypoint("Front Paw R")
    ('right', 'frontpaw')
    >>> normalise_keypoint("leftear") == normalise_keypoint("Ear_L")
    True
    """
    tokens = name_tokens(name)
    side = ""
    rest: list[str] = []
    for token in tokens:
        if not side and token in SIDES and len(tokens) > 1:
            side = SIDES[token]
            continue
        if not side and len(token) > 5:
            for word in ("left", "right"):
                if token.startswith(word):
                    side, token = word, token[len(word) :]
                    break
                if token.endswith(word):
                    side, token = word, token[: -len(word)]
                    break
        rest.append(token)
    return side, "".join(rest)


def canonical_part(part: str, table: Mapping[str, Sequence[str]]) -> str | None:
    """The synonym group (key of ``table``) that ``part`` belongs to, or None."""
    for canonical, names in table.items():
        if part == canonical or part in names:
            return canonical
    return None


NOSE_NAMES = ("nose", "snout", "nosetip", "head")
TAIL_NAMES = ("tailbase", "tailroot", "tail", "tail0", "tail1", "butt", "abdomen")


def find_keypoint(keypoints: Sequence[str], candidates: Sequence[str]) -> int | None:
    """Index of the first keypoint matching one of ``candidates``.

    Exact matches (after lower-casing and dropping spaces, ``_``, ``-`` and
    other punctuation) win in candidate order; otherwise the first keypoint
    whose normalised name contains a candidate is used.

    Parameters
    ----------
    keypoints
        Keypoint names.
    candidates
        Accepted names, most preferred first.

    Returns
    -------
    int or None
        The keypoint index, or None if nothing matches.
    """
    names = [normalise_name(k) for k in keypoints]
    for cand in candidates:
        c = normalise_name(cand)
        if c in names:
            return names.index(c)
    for cand in candidates:
        c = normalise_name(cand)
        for i, name in enumerate(names):
            if c and c in name:
                return i
    return None


#: (role, pattern on the normalised name); the first matching role wins.
ROLES: tuple[tuple[str, str], ...] = (
    ("tailtip", r"^tail(tip|end)$|^(tip|end)(of)?tail$"),
    ("tailbase", r"^(tailbase|basetail|tailroot|butt.*|.*proximaltail|tail0?)$"),
    ("tail", r"^tail(mid|middle|center|centre|\d+)$|^(mid|middle)tail$"),
    ("ear", r"^(left|right|l|r)?ear(left|right|l|r)?\d*$"),
    ("nose", r"^(nose|snout)$"),
    ("head", r"^head(center|centre)?$"),
    ("neck", r"^(neck|nape)$"),
    ("spine", r"^(spine|back)\d*$"),
    ("center", r"^(center|centre|centroid|body|bodycenter|bodycentre|mid|midback)$"),
    ("front", r".*(fhip|forepaw|frontpaw|forelimb|foreleg|shoulder).*"),
    ("back", r".*(bhip|hip|hindpaw|backpaw|hindlimb|hindleg).*"),
    ("lateral", r"^lat(eral)?(left|right|l|r)$|^(left|right)(side|lateral)$"),
)
AXIS_RANK = {"nose": 0, "head": 1, "neck": 2, "center": 4, "tailbase": 20}


def default_edges(
    keypoints: tuple[str, ...] | list[str],
) -> tuple[tuple[int, int], ...]:
    """Guess skeleton edges from mouse body-part names.

    Names are matched case-, space- and punctuation-insensitively: ``nose``/
    ``snout`` to the ears, ears to ``neck`` (else ``head``), the axial chain
    nose-head-neck-spine/center-tail base-tail-tail tip, front limbs/hips to the
    front of the spine, hind limbs/hips to the tail base and lateral points to
    the body center. Names that match nothing stay unconnected; when no name
    matches at all the keypoints are linked as a chain in file order.

    Parameters
    ----------
    keypoints
        Keypoint names, one per ``keypoint`` index.

    Returns
    -------
    tuple of (int, int)
        Edges as pairs of keypoint indices.
    """
    roles: dict[str, list[int]] = {}
    spine_rank: dict[int, float] = {}
    for i, name in enumerate(keypoints):
        norm = normalise_name(name)
        for role, pattern in ROLES:
            if re.match(pattern, norm):
                roles.setdefault(role, []).append(i)
                if role in ("spine", "tail"):
                    digits = re.findall(r"\d+", norm)
                    spine_rank[i] = float(digits[-1]) if digits else 1.5
                break
    # ordered axial chain: (rank, index)
    axis: list[tuple[float, int]] = []
    for role, rank in AXIS_RANK.items():
        axis.extend((rank, i) for i in roles.get(role, []))
    for i in roles.get("spine", []):  # spine_1 before center, spine_2 after
        axis.append((3.0 if spine_rank[i] <= 1 else 4 + spine_rank[i], i))
    for i in roles.get("tail", []):
        axis.append((21 + spine_rank[i], i))
    axis.extend((100, i) for i in roles.get("tailtip", []))
    chain = [i for _, i in sorted(axis)]
    edges = list(zip(chain[:-1], chain[1:]))

    def first(*names: str) -> int | None:
        for role in names:
            if roles.get(role):
                return roles[role][0]
        return None

    spine = sorted(roles.get("spine", []), key=spine_rank.get)
    for ear in roles.get("ear", []):
        edges.extend(
            (a, ear) for a in (first("nose"), first("neck", "head")) if a is not None
        )
    anchors = {
        "front": first("neck")
        if "neck" in roles
        else (spine[0] if spine else first("center", "head", "nose")),
        "back": first("tailbase")
        if "tailbase" in roles
        else (spine[-1] if spine else first("center")),
        "lateral": first("center")
        if "center" in roles
        else (spine[len(spine) // 2] if spine else first("neck", "tailbase")),
    }
    for role, anchor in anchors.items():
        if anchor is not None:
            edges.extend((anchor, i) for i in roles.get(role, []))
    edges = list(dict.fromkeys((a, b) for a, b in edges if a != b))
    if not edges and len(keypoints) > 1:
        edges = [(i, i + 1) for i in range(len(keypoints) - 1)]
    return tuple(edges)
