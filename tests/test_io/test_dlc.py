"""DeepLabCut readers: every real DLC layout in ../shared/data plus synthetic tables."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from behavert import load_poses
from behavert.errors import NotAPoseTableError
from behavert.io.dlc import dlc_table_to_poses, split_prefixes

BSOID = "dlc/bsoid_bottomup/raw_clip1DLC_resnet50_OpenFieldHighResApr8shuffle1_1030000"
BSOID_PARTS = (
    "Snout",
    "Front Paw R",
    "Front Paw L",
    "Hind Paw R",
    "Hind Paw L",
    "Butt/Proximal Tail",
)
DEEPOF_PARTS = (
    "Nose", "Left_ear", "Right_ear", "Spine_1", "Center", "Spine_2", "Tail_base",
    "Tail_1", "Tail_2", "Tail_tip", "Left_bhip", "Right_bhip", "Left_fhip",
    "Right_fhip",
)  # fmt: skip
ETHOME = (
    "labelled/ethome_resident_intruder/e3v813a-20210610T122332-122642DLC_"
    "dlcrnetms5_pilot_studySep24shuffle1_100000_el_filtered.csv"
)
LABELLED = "dlc/openfield_pranav/labeled-data/m4s1/CollectedData_Pranav"

# (file, frames, individuals, keypoints or count, first frame_index)
REAL = [
    (BSOID + ".h5", 7200, ("individual_0",), BSOID_PARTS, 0),
    (BSOID + ".csv", 7200, ("individual_0",), BSOID_PARTS, 0),
    (
        "dlc/dlc2kinematics_reaching/reachingDEMO_2D.h5",
        800,
        ("individual_0",),
        33,
        42150,
    ),
    ("dlc/deepof_tests/testDLC_h5_table.h5", 100, ("individual_0",), DEEPOF_PARTS, 0),
    ("dlc/deepof_tests/testDLC_square_arena.h5", 451, ("individual_0",), 14, 0),
    ("dlc/deepof_tests/testDLC_h5_table_multi.h5", 100, ("B", "W"), 14, 0),
    (
        "dlc/deepof_tests/testDLC_h5_table_madlc.h5",
        100,
        ("mouse_black_tail", "mouse_white_tail"),
        DEEPOF_PARTS,
        0,
    ),
    (
        "dlc/deepof_tests/testDLC_csv_table_madlc.csv",
        97,
        ("mouse_black_tail", "mouse_white_tail"),
        DEEPOF_PARTS,
        0,
    ),
    (
        "dlc/openfield_pranav/openfield_dlc_inference_example.csv",
        2330,
        ("individual_0",),
        ("snout", "leftear", "rightear", "tailbase"),
        0,
    ),
    (
        ETHOME,
        5700,
        ("adult", "juvenile"),
        ("nose", "leftear", "rightear", "neck", "lefthip", "righthip", "tail"),
        0,
    ),
    (
        LABELLED + ".h5",
        116,
        ("individual_0",),
        ("snout", "leftear", "rightear", "tailbase"),
        0,
    ),
    (
        LABELLED + ".csv",
        116,
        ("individual_0",),
        ("snout", "leftear", "rightear", "tailbase"),
        0,
    ),
]


@pytest.mark.parametrize(("name", "frames", "individuals", "keypoints", "first"), REAL)
def test_real_dlc_files(shared_data, name, frames, individuals, keypoints, first):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no stray warnings on good files
        poses = load_poses(shared_data / name)
    assert poses.source == "dlc"
    assert poses.n_frames == frames
    assert poses.individuals == individuals
    if isinstance(keypoints, int):
        assert poses.n_keypoints == keypoints
    else:
        assert poses.keypoints == keypoints
    assert poses.position.shape == (frames, len(individuals), poses.n_keypoints, 2)
    assert poses.frame_index[0] == first
    assert np.all(np.diff(poses.frame_index) == 1)
    assert poses.edges  # default mouse edges or a chain


def test_bsoid_csv_equals_h5_and_raw_values(shared_data):
    h5 = load_poses(shared_data / (BSOID + ".h5"))
    csv = load_poses(shared_data / (BSOID + ".csv"))
    np.testing.assert_allclose(h5.position, csv.position, rtol=1e-12)
    raw = pd.read_hdf(shared_data / (BSOID + ".h5"))
    scorer = raw.columns.get_level_values(0)[0]
    tail = raw[(scorer, "Butt/Proximal Tail")]
    k = h5.keypoints.index("Butt/Proximal Tail")
    np.testing.assert_array_equal(h5.position[:, 0, k, 0], tail["x"].to_numpy())
    np.testing.assert_array_equal(h5.confidence[:, 0, k], tail["likelihood"].to_numpy())
    assert not np.isnan(h5.position).any()


def test_reaching_frame_index(shared_data):
    poses = load_poses(shared_data / "dlc/dlc2kinematics_reaching/reachingDEMO_2D.h5")
    np.testing.assert_array_equal(poses.frame_index, np.arange(42150, 42950))
    assert {"water_tube", "lick", "joystick"} <= set(poses.keypoints)


def test_madlc_zero_triples_become_nan(shared_data):
    path = shared_data / "dlc/deepof_tests/testDLC_h5_table_madlc.h5"
    poses = load_poses(path)
    raw = pd.read_hdf(path)
    scorer = raw.columns.get_level_values(0)[0]
    ear = raw[(scorer, "mouse_black_tail", "Left_ear")].iloc[0]
    assert (ear == 0).all()  # stored as 0, 0, 0 in the file
    k = poses.keypoints.index("Left_ear")
    assert np.isnan(poses.position[0, 0, k]).all()
    assert np.isnan(poses.confidence[0, 0, k])
    # every 0/0/0 triple, and only those, is missing
    values = raw.to_numpy().reshape(100, 2, 14, 3)
    zero = (values == 0).all(axis=-1)
    np.testing.assert_array_equal(np.isnan(poses.position[..., 0]), zero)
    nose = raw[(scorer, "mouse_white_tail", "Nose")]
    np.testing.assert_array_equal(
        poses.position[:, 1, 0, 1][nose["likelihood"] > 0],
        nose["y"][nose["likelihood"] > 0],
    )


def test_legacy_prefix_table(shared_data):
    path = shared_data / "dlc/deepof_tests/testDLC_h5_table_multi.h5"
    poses = load_poses(path)
    raw = pd.read_hdf(path)
    scorer = raw.columns.get_level_values(0)[0]
    assert "Nose" in poses.keypoints and not any(k[1] == "_" for k in poses.keypoints)
    k = poses.keypoints.index("Tail_tip")
    np.testing.assert_array_equal(
        poses.position[:, 1, k, 0], raw[(scorer, "W_Tail_tip", "x")].to_numpy()
    )


def test_quirky_madlc_csv(shared_data):
    poses = load_poses(shared_data / "dlc/deepof_tests/testDLC_csv_table_madlc.csv")
    assert poses.metadata["scorer"].endswith("_200000")  # .1/.2 suffixes dropped
    assert np.isnan(poses.position[0, 0, 1]).all()  # 0/0/0 Left_ear in frame 0
    assert poses.position[0, 0, 0, 0] == pytest.approx(188.547)


def test_ethome_matches_pandas(shared_data):
    poses = load_poses(shared_data / ETHOME)
    pose = pd.read_csv(shared_data / ETHOME, header=[0, 1, 2, 3], index_col=0)
    arr = pose.drop(columns="likelihood", level="coords").to_numpy()
    np.testing.assert_array_equal(poses.position, arr.reshape(5700, 2, 7, 2))
    assert not np.isnan(poses.position).any()
    assert np.nanmax(poses.position[..., 0]) > 3000  # real tracking glitches kept


def test_labelled_data(shared_data):
    h5 = load_poses(shared_data / (LABELLED + ".h5"))
    csv = load_poses(shared_data / (LABELLED + ".csv"))
    assert h5.metadata["kind"] == "labelled-data"
    assert h5.metadata["image_paths"][0] == "labeled-data/m4s1/img0000.png"
    numbers = [int(p[-8:-4]) for p in h5.metadata["image_paths"]]
    np.testing.assert_array_equal(h5.frame_index, numbers)
    np.testing.assert_array_equal(csv.frame_index, h5.frame_index)
    np.testing.assert_allclose(csv.position, h5.position, equal_nan=True)
    valid = ~np.isnan(h5.position[..., 0])
    assert (h5.confidence[valid] == 1.0).all()
    assert h5.edge_names  # config.yaml has skeleton: [] -> default edges
    assert ("snout", "leftear") in h5.edge_names


# ------------------------------------------------------------ synthetic tables
def _dlc_columns(individuals, bodyparts, coords, unique=()):
    tuples = [
        ("synthetic_scorer", ind, bp, c)
        for ind in individuals
        for bp in bodyparts
        for c in coords
    ] + [("synthetic_scorer", "single", bp, c) for bp in unique for c in coords]
    return pd.MultiIndex.from_tuples(
        tuples, names=["scorer", "individuals", "bodyparts", "coords"]
    )


def test_madlc_unique_bodyparts_single_individual(tmp_path):
    cols = _dlc_columns(["a", "b"], ["nose", "tail base"], ["x", "y", "likelihood"],
                        unique=["top/left corner"])  # fmt: skip
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.random((5, len(cols))) + 1, columns=cols)
    df.to_csv(tmp_path / "synthetic_maDLC.csv")
    df.to_hdf(tmp_path / "synthetic_maDLC.h5", key="df_with_missing")
    for name in ("synthetic_maDLC.csv", "synthetic_maDLC.h5"):
        poses = load_poses(tmp_path / name)
        assert poses.individuals == ("a", "b", "single")
        assert poses.keypoints == ("nose", "tail base", "top/left corner")
        assert np.isnan(poses.position[:, 2, :2]).all()  # single: only its part
        assert np.isnan(poses.position[:, :2, 2]).all()  # animals lack the corner
        np.testing.assert_allclose(
            poses.position[:, 2, 2, 0], df[("synthetic_scorer", "single",
                                           "top/left corner", "x")]
        )  # fmt: skip


def test_scattered_columns_equal_regular(tmp_path):
    cols = _dlc_columns(["a", "b"], ["nose", "tail"], ["x", "y", "likelihood"])
    df = pd.DataFrame(np.arange(60, dtype=float).reshape(5, 12) + 1, columns=cols)
    regular = dlc_table_to_poses(df.copy())
    shuffled = dlc_table_to_poses(df[list(reversed(df.columns))].copy())
    assert shuffled.individuals == ("b", "a") and shuffled.keypoints == ("tail", "nose")
    np.testing.assert_array_equal(shuffled.position[:, ::-1, ::-1], regular.position)


def test_dlc_3d_table(tmp_path):
    cols = pd.MultiIndex.from_product(
        [["synthetic3d"], ["snout", "tailbase"], ["x", "y", "z"]],
        names=["scorer", "bodyparts", "coords"],
    )
    values = np.arange(24, dtype=float).reshape(4, 6)
    values[2, 3:] = np.nan
    pd.DataFrame(values, columns=cols).to_hdf(tmp_path / "synthetic_3d.h5", key="df")
    pd.DataFrame(values, columns=cols).to_csv(tmp_path / "synthetic_3d.csv")
    for name in ("synthetic_3d.h5", "synthetic_3d.csv"):
        poses = load_poses(tmp_path / name)
        assert poses.n_space == 3
        np.testing.assert_array_equal(poses.position[1, 0, 1], [9.0, 10.0, 11.0])
        assert np.isnan(poses.confidence[2, 0, 1]) and poses.confidence[2, 0, 0] == 1


def test_labelled_multiindex_paths_and_config_skeleton(tmp_path):
    index = pd.MultiIndex.from_tuples(
        [("labeled-data", "vid", f"img{n:04d}.png") for n in (3, 17, 40)]
    )
    cols = pd.MultiIndex.from_product(
        [["me"], ["snout", "leftear", "tailbase"], ["x", "y"]],
        names=["scorer", "bodyparts", "coords"],
    )
    df = pd.DataFrame(np.ones((3, 6)), index=index, columns=cols)
    folder = tmp_path / "labeled-data" / "vid"
    folder.mkdir(parents=True)
    df.to_hdf(folder / "CollectedData_me.h5", key="df_with_missing")
    (tmp_path / "config.yaml").write_text("skeleton:\n- [snout, tailbase]\n- [a, b]\n")
    poses = load_poses(folder / "CollectedData_me.h5")
    np.testing.assert_array_equal(poses.frame_index, [3, 17, 40])
    assert poses.metadata["image_paths"][1] == "labeled-data/vid/img0017.png"
    assert poses.edge_names == [("snout", "tailbase")]  # from config.yaml
    df.to_csv(folder / "CollectedData_me.csv")  # 3 index columns in the CSV
    csv = load_poses(folder / "CollectedData_me.csv")
    np.testing.assert_array_equal(csv.frame_index, [3, 17, 40])
    assert csv.keypoints == ("snout", "leftear", "tailbase")


def test_split_prefixes():
    assert split_prefixes(["B_Nose", "B_Tail", "W_Nose", "W_Tail"]) == (
        ["B", "B", "W", "W"],
        ["Nose", "Tail", "Nose", "Tail"],
    )
    assert split_prefixes(["Left_ear", "Right_ear", "Left_hip", "Right_hip"]) is None
    assert split_prefixes(["B_Nose", "W_Nose", "Tail"]) is None  # one lacks a prefix
    assert split_prefixes(["B_Nose", "B_Tail", "W_Nose"]) is None  # different sets
    assert split_prefixes(["m1_nose", "m1_tail"]) is None  # one prefix only


def test_not_a_pose_table(tmp_path):
    df = pd.DataFrame({"speed": [1.0, 2.0], "angle": [0.1, 0.2]})
    df.to_hdf(tmp_path / "table.h5", key="df")
    with pytest.raises(NotAPoseTableError, match="table.h5"):
        load_poses(tmp_path / "table.h5")
    cols = pd.MultiIndex.from_product([["s"], ["nose"], ["speed", "angle"]])
    with pytest.raises(NotAPoseTableError, match="coords"):
        dlc_table_to_poses(pd.DataFrame(np.ones((2, 2)), columns=cols), "x.h5")


def _reference_missing(values, n_space):
    """Plain statement of the rules: NaN coordinate or x == y == likelihood == 0."""
    grid = values.copy()
    zero = (grid[..., -1] == 0) & (grid[..., 0] == 0) & (grid[..., 1] == 0)
    grid[..., :n_space][zero] = np.nan
    missing = np.isnan(grid[..., :n_space]).any(axis=-1)
    grid[..., -1][missing] = np.nan
    return grid, missing


@pytest.mark.parametrize("n_space", [2, 3])
def test_missing_rules_match_reference(n_space):
    rng = np.random.default_rng(42)
    coords = ["x", "y", "z"][:n_space] + ["likelihood"]
    cols = _dlc_columns(["a", "b"], ["nose", "ear", "tail"], coords)
    values = rng.random((200, 2, 3, n_space + 1)) + 0.5
    values[rng.random((200, 2, 3)) < 0.05, 0] = np.nan  # x only: likelihood stays
    values[rng.random((200, 2, 3)) < 0.05] = np.nan  # whole point NaN
    values[rng.random((200, 2, 3)) < 0.05] = 0.0  # maDLC zero triples
    values[rng.random((200, 2, 3)) < 0.05, -1] = 0.0  # zero likelihood, real x, y
    expected, missing = _reference_missing(values, n_space)
    df = pd.DataFrame(values.reshape(200, -1), columns=cols)
    poses = dlc_table_to_poses(df)
    np.testing.assert_array_equal(poses.position, expected[..., :n_space])
    np.testing.assert_array_equal(poses.confidence, expected[..., -1])
    assert np.isnan(poses.confidence[missing]).all() and missing.any()
    empty = dlc_table_to_poses(df.iloc[:0])
    assert empty.position.shape == (0, 2, 3, n_space)


@pytest.mark.parametrize(
    "relpath", [ETHOME, "dlc/openfield_pranav/openfield_dlc_inference_example.csv"]
)
def test_csv_whose_first_frame_is_empty_keeps_every_frame(
    shared_data, tmp_path, relpath
):
    """Frame 0 without any detection is a frame of NaN, not a dropped row."""
    original = load_poses(shared_data / relpath)
    lines = (shared_data / relpath).read_text().splitlines()
    n_header = 4 if lines[1].startswith("individuals") else 3
    first = lines[n_header].split(",")
    lines[n_header] = ",".join([first[0]] + [""] * (len(first) - 1))
    copy = tmp_path / f"frame0_empty_{Path(relpath).name}"
    copy.write_text("\n".join(lines) + "\n")
    poses = load_poses(copy)
    assert poses.n_frames == original.n_frames
    np.testing.assert_array_equal(poses.frame_index, original.frame_index)
    assert np.isnan(poses.position[0]).all()
    np.testing.assert_array_equal(poses.position[1:], original.position[1:])
