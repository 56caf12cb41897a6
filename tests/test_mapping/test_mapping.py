"""Tests of behavert.data.mapping (names, synonyms, user maps, masking, top view)."""

from __future__ import annotations

import numpy as np
import pytest

from behavert.data.mapping import (
    KeypointMapping,
    apply_mapping,
    map_keypoints,
    normalise_keypoint,
    project_top_view,
)
from behavert.errors import FileProblemError, SkeletonMismatchError
from behavert.io.mapping_file import load_mapping, save_mapping
from behavert.io.poses import Poses

MOUSE = ("nose", "left_ear", "right_ear", "neck", "left_forepaw", "right_forepaw",
         "spine", "left_hindpaw", "right_hindpaw", "tail_base", "tail_mid",
         "tail_tip")  # fmt: skip
DEEPOF = ("Nose", "Left_ear", "Right_ear", "Left_fhip", "Right_fhip", "Left_bhip",
          "Right_bhip", "Spine_1", "Center", "Spine_2", "Tail_base", "Tail_1",
          "Tail_2", "Tail_tip")  # fmt: skip
BSOID = ("Snout", "Front Paw R", "Front Paw L", "Hind Paw R", "Hind Paw L",
         "Butt/Proximal Tail")  # fmt: skip
ETHOME = ("nose", "leftear", "rightear", "neck", "lefthip", "righthip", "tail")


@pytest.mark.parametrize(
    "names",
    [
        ("left_ear", "leftear", "Left_ear", "ear_left", "Ear_left", "Left ear",
         "Ear_L", "l-ear", "LeftEar"),
        ("Front Paw R", "right_forepaw_x".removesuffix("_x").replace("fore", "front"),
         "frontPawR", "FRONT-PAW-RIGHT"),
        ("tail_base", "tailbase", "Tail_base", "tail base", "TailBase"),
    ],
)  # fmt: skip
def test_normalisation_ignores_case_separators_and_side_spelling(names):
    keys = {normalise_keypoint(n) for n in names}
    assert len(keys) == 1, keys


def test_side_and_part_are_split():
    assert normalise_keypoint("Hind Paw L") == ("left", "hindpaw")
    assert normalise_keypoint("wingR") == ("right", "wing")
    assert normalise_keypoint("Center") == ("", "center")


def test_synonyms_on_real_skeleton_names():
    m = map_keypoints(BSOID, MOUSE)
    assert m.mapped == {
        "Snout": "nose",
        "Front Paw R": "right_forepaw",
        "Front Paw L": "left_forepaw",
        "Hind Paw R": "right_hindpaw",
        "Hind Paw L": "left_hindpaw",
        "Butt/Proximal Tail": "tail_base",
    }
    assert m.left_out == ()
    assert set(m.missing) == {"left_ear", "right_ear", "neck", "spine", "tail_mid",
                              "tail_tip"}  # fmt: skip


def test_merge_report_and_left_out():
    m = map_keypoints(DEEPOF, MOUSE)
    assert m.merged == {
        "spine": ("Spine_1", "Center", "Spine_2"),
        "tail_mid": ("Tail_1", "Tail_2"),  # weak synonyms, both directions
    }
    assert m.mapped["Tail_base"] == "tail_base"
    assert "Left_fhip" in m.left_out
    report = m.report()
    assert list(report.columns) == ["source", "target", "status", "rule"]
    status = dict(zip(report["source"], report["status"]))
    assert status["Center"] == "merged"
    assert status["Nose"] == "mapped"
    assert status["Left_bhip"] == "left out"
    missing = report[report["status"] == "missing (masked)"]["target"].tolist()
    assert missing == list(m.missing) and "left_forepaw" in missing
    assert "Spine_1 -> spine (synonym)" in str(m)


def test_weak_synonyms_only_fill_free_targets():
    # ethome's "tail" is a weak stand-in for tail_base; the mouse spine must
    # not be merged into ethome's neck, which "neck" already feeds
    m = map_keypoints(MOUSE, ETHOME)
    assert m.mapped["tail_base"] == "tail"
    assert m.pairs[-1][2] == "weak synonym"
    assert m.sources_of("neck") == ("neck",)
    back = map_keypoints(ETHOME, MOUSE)
    assert back.mapped["tail"] == "tail_base"


def test_side_merge_onto_unsided_target():
    m = map_keypoints(["left_hip", "right_hip", "nose"], ["snout", "hips"])
    assert m.merged == {"hips": ("left_hip", "right_hip")}
    assert m.mapped["nose"] == "snout"


def test_user_map_overrides_and_leaves_out():
    m = map_keypoints(BSOID, MOUSE, user_map={"snout": "neck", "Hind Paw L": None})
    assert m.mapped["Snout"] == "neck"  # normalised source name accepted
    assert "Hind Paw L" in m.left_out
    assert dict((s, r) for s, _, r in m.pairs)["Snout"] == "user"


def test_user_map_with_unknown_names_fails_clearly():
    with pytest.raises(SkeletonMismatchError, match="wing"):
        map_keypoints(BSOID, MOUSE, user_map={"wing": "nose"})
    with pytest.raises(SkeletonMismatchError, match="antenna"):
        map_keypoints(BSOID, MOUSE, user_map={"Snout": "antenna"})


@pytest.mark.parametrize("suffix", [".yaml", ".csv"])
def test_mapping_file_round_trip_and_edit(tmp_path, suffix):
    m = map_keypoints(DEEPOF, MOUSE)
    path = save_mapping(m, tmp_path / f"map{suffix}")
    loaded = load_mapping(path)
    assert loaded["Center"] == "spine" and loaded["Left_fhip"] is None
    assert map_keypoints(DEEPOF, MOUSE, user_map=load_mapping(path)).mapped == m.mapped
    # a user edits the file: Left_fhip now feeds left_forepaw
    text = path.read_text()
    if suffix == ".csv":
        text = text.replace("Left_fhip,\n", "Left_fhip,left_forepaw\n")
    else:
        text = text.replace("Left_fhip: null", "Left_fhip: left_forepaw")
    path.write_text(text)
    edited = map_keypoints(DEEPOF, MOUSE, user_map=load_mapping(path))
    assert edited.mapped["Left_fhip"] == "left_forepaw"


def test_plain_yaml_and_bad_files(tmp_path):
    plain = tmp_path / "m.yml"
    plain.write_text("Snout: nose\nButt/Proximal Tail: ~\n")
    assert load_mapping(plain) == {"Snout": "nose", "Butt/Proximal Tail": None}
    bad = tmp_path / "m.csv"
    bad.write_text("from,to\na,b\n")
    with pytest.raises(FileProblemError, match="source,target"):
        load_mapping(bad)
    with pytest.raises(FileProblemError, match="not found"):
        load_mapping(tmp_path / "absent.yaml")
    other = tmp_path / "m.txt"
    other.write_text("a,b")
    with pytest.raises(FileProblemError, match=r"\.yaml"):
        load_mapping(other)


def test_mapping_validates_pairs():
    with pytest.raises(ValueError, match="twice"):
        KeypointMapping(("a",), ("b", "c"), (("a", "b", "x"), ("a", "c", "x")))
    with pytest.raises(ValueError, match="not in"):
        KeypointMapping(("a",), ("b",), (("a", "z", "x"),))


def _poses(names, n_space=2, n_time=5, seed=0):
    rng = np.random.default_rng(seed)
    position = rng.normal(size=(n_time, 2, len(names), n_space))
    return Poses(
        position=position,
        confidence=np.ones(position.shape[:3]),
        keypoints=names,
        individuals=("a", "b"),
        edges=((0, 1), (7, 8), (8, 9)) if len(names) > 9 else (),
        source="synthetic",
    )


def test_apply_mapping_masks_never_invents_and_averages_merges():
    src = _poses(DEEPOF)
    position = np.array(src.position)
    position[0, 0, DEEPOF.index("Center")] = np.nan  # one merged source missing
    src = src.replace(position=position)
    m = map_keypoints(DEEPOF, MOUSE)
    out = apply_mapping(src, m)
    assert out.keypoints == MOUSE
    assert out.position.shape == (5, 2, 12, 2)
    for name in m.missing:  # never invented: all NaN, confidence NaN
        assert np.isnan(out.position[:, :, MOUSE.index(name)]).all()
        assert np.isnan(out.confidence[:, :, MOUSE.index(name)]).all()
    nose = out.position[:, :, MOUSE.index("nose")]
    np.testing.assert_array_equal(nose, src.position[:, :, DEEPOF.index("Nose")])
    spine = out.position[:, :, MOUSE.index("spine")]
    parts = [DEEPOF.index(n) for n in ("Spine_1", "Center", "Spine_2")]
    np.testing.assert_allclose(spine[1:], src.position[1:, :, parts].mean(2))
    # the missing Center is skipped, not propagated
    np.testing.assert_allclose(
        spine[0, 0], src.position[0, 0, [parts[0], parts[2]]].mean(0)
    )
    # edges: Nose-Left_ear kept; Spine_1-Center and Center-Spine_2 fall
    # inside the merged "spine" and are dropped
    assert out.edges == ((0, 1),)
    assert out.metadata["keypoint_mapping"]["map"]["Center"] == "spine"


def test_apply_mapping_tokenizes_with_masks():
    from behavert.data.tokenizer import PoseTokenizer

    src = _poses(BSOID, n_time=80)
    out = apply_mapping(src, map_keypoints(BSOID, MOUSE))
    tok = PoseTokenizer().fit([out])
    features = tok.transform(out)
    assert np.isfinite(features).all()
    mask = tok.feature_names.index("a/left_ear missing")
    assert (features[:, mask] == 1).all()
    mask = tok.feature_names.index("a/nose missing")
    assert (features[:, mask] == 0).all()


def test_apply_mapping_rejects_poses_without_the_sources():
    m = map_keypoints(DEEPOF, MOUSE)
    with pytest.raises(SkeletonMismatchError, match="lack"):
        apply_mapping(_poses(BSOID), m)


def test_project_top_view_drops_z_or_projects_on_a_tilted_floor():
    p3 = _poses(MOUSE, n_space=3)
    top = project_top_view(p3)
    assert top.n_space == 2
    np.testing.assert_array_equal(top.position, p3.position[..., :2])
    np.testing.assert_array_equal(top.metadata["height"], p3.position[..., 2])
    assert project_top_view(top) is top
    # a floor whose normal is y: the view keeps x and (minus) z
    side = project_top_view(p3, floor_normal=(0, 1, 0))
    np.testing.assert_allclose(side.position[..., 0], p3.position[..., 0])
    np.testing.assert_allclose(
        np.abs(side.position[..., 1]), np.abs(p3.position[..., 2])
    )
    np.testing.assert_allclose(side.metadata["height"], p3.position[..., 1])
    with pytest.raises(ValueError, match="non-zero"):
        project_top_view(p3, floor_normal=(0, 0, 0))
