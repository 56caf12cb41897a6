"""load_poses: registry and dispatch, video discovery, thresholds, default edges."""

from __future__ import annotations

import subprocess
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import behavert
import behavert.io
from behavert import Poses, load_poses
from behavert.errors import (
    FileProblemError,
    MissingVideoWarning,
    UnknownFormatError,
    VideoMismatchWarning,
)
from behavert.io import (
    default_edges,
    find_video,
    get_loader,
    register_loader,
    video_lookup,
)
from behavert.io import load as load_module
from behavert.io.video import VideoInfo

OPENFIELD = "dlc/openfield_pranav/openfield_dlc_inference_example.csv"


def _write_dlc(path, n=4, parts=("nose", "tail")):
    cols = pd.MultiIndex.from_product(
        [["synthetic"], list(parts), ["x", "y", "likelihood"]],
        names=["scorer", "bodyparts", "coords"],
    )
    values = np.tile([10.0, 20.0, 0.9], (n, len(parts)))
    values[1, 2] = 0.1  # nose likelihood low in frame 1
    pd.DataFrame(values, columns=cols).to_hdf(path, key="df_with_missing")


@pytest.fixture
def custom_loader():
    """Register a throw-away reader and remove it afterwards."""
    load_module._ensure_builtin_loaders()

    def sniff(path):
        return path.read_text().startswith("SYNTH")

    @register_loader("synthetic_txt", suffixes=("txt",), sniff=sniff)
    def load_synth(path):
        return Poses(np.ones((3, 1, 2, 2)), np.ones((3, 1, 2)), ("a", "b"), ("m",))

    yield load_synth
    load_module._LOADERS.pop("synthetic_txt")


def test_registry_dispatch(tmp_path, custom_loader):
    (tmp_path / "x.txt").write_text("SYNTH 1")
    poses = load_poses(tmp_path / "x.txt")
    assert poses.source == "synthetic_txt"  # the reader left it "unknown"
    assert poses.path == tmp_path / "x.txt"
    assert poses.edges == ((0, 1),)  # chain fallback for unknown names
    assert get_loader(tmp_path / "x.txt").func is custom_loader
    (tmp_path / "y.txt").write_text("something else")
    with pytest.raises(behavert.errors.NotAPoseTableError, match="synthetic_txt"):
        load_poses(tmp_path / "y.txt")
    assert "synthetic_txt" in behavert.io.loader_names()


def test_builtin_names_and_unknown_source(tmp_path):
    names = behavert.io.loader_names()
    assert {"dlc", "sleap", "sleap_analysis", "anipose", "simba"} <= set(names)
    _write_dlc(tmp_path / "synthetic.h5")
    with pytest.raises(UnknownFormatError, match="unknown source 'movement'"):
        load_poses(tmp_path / "synthetic.h5", source="movement")
    assert load_poses(tmp_path / "synthetic.h5", source="dlc").source == "dlc"


def test_likelihood_threshold(tmp_path):
    _write_dlc(tmp_path / "synthetic.h5")
    plain = load_poses(tmp_path / "synthetic.h5")
    cut = load_poses(tmp_path / "synthetic.h5", likelihood_threshold=0.5)
    assert not np.isnan(plain.position).any()
    assert np.isnan(cut.position[1, 0, 0]).all() and np.isnan(cut.confidence[1, 0, 0])
    assert np.isnan(cut.position).sum() == 2  # only that point (x and y)


# ------------------------------------------------------------------- videos
def test_explicit_video(tmp_path):
    _write_dlc(tmp_path / "synthetic.h5")
    with pytest.raises(FileProblemError, match="nowhere.mp4: video file does not"):
        load_poses(tmp_path / "synthetic.h5", video=tmp_path / "nowhere.mp4")
    (tmp_path / "rec.avi").write_bytes(b"x")
    assert find_video(tmp_path / "synthetic.h5", video=tmp_path / "rec.avi") == (
        tmp_path / "rec.avi"
    )


def test_find_video_stored_and_dlc_naming(tmp_path):
    pose = tmp_path / "sess1DLC_resnet50_projOct1shuffle1_1000.h5"
    assert find_video(pose) is None  # nothing there, no warning
    (tmp_path / "sess1.mkv").write_bytes(b"x")
    assert find_video(pose) == tmp_path / "sess1.mkv"
    (tmp_path / "clip.mp4").write_bytes(b"x")
    stored = r"C:\Users\someone\videos\clip.mp4"
    assert find_video(tmp_path / "labels.slp", stored) == tmp_path / "clip.mp4"
    assert find_video(tmp_path / "a.slp", "sub/../clip.mp4") == tmp_path / "clip.mp4"
    assert find_video(tmp_path / "a.slp", str(tmp_path / "clip.mp4")) == (
        tmp_path / "clip.mp4"
    )
    with pytest.warns(MissingVideoWarning, match="gone.mp4"):
        assert find_video(tmp_path / "labels.slp", "/data/gone.mp4") is None


def _fake_video_module(monkeypatch, n_frames, calls):
    fake = types.ModuleType("behavert.io.video")

    def probe_video(path):
        calls.append(path)
        return VideoInfo(Path(path), n_frames, 12.5, 4, 4)

    fake.probe_video = probe_video
    monkeypatch.setitem(sys.modules, "behavert.io.video", fake)
    monkeypatch.setattr(behavert.io, "video", fake, raising=False)
    video_lookup._probe_once.cache_clear()
    return fake


def test_video_mismatch_warning(tmp_path, monkeypatch):
    calls = []
    _fake_video_module(monkeypatch, 99, calls)
    _write_dlc(tmp_path / "recDLC_resnet50_xOct1shuffle1_1.h5")
    (tmp_path / "rec.mp4").write_bytes(b"x")
    with pytest.warns(VideoMismatchWarning, match="99 frames"):
        poses = load_poses(tmp_path / "recDLC_resnet50_xOct1shuffle1_1.h5")
    assert poses.video == tmp_path / "rec.mp4"
    assert poses.fps == 12.5  # from the video when the file has none
    assert len(calls) == 1  # the video is opened once for count and rate
    assert poses.metadata["video_info"].n_frames == 99
    _fake_video_module(monkeypatch, 4, calls)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_poses(tmp_path / "recDLC_resnet50_xOct1shuffle1_1.h5")


def test_video_module_absent(tmp_path, monkeypatch):
    monkeypatch.setattr(video_lookup, "_video_module", lambda: None)
    video_lookup._probe_once.cache_clear()
    _write_dlc(tmp_path / "recDLC_x.h5")
    (tmp_path / "rec.mp4").write_bytes(b"not a video")
    poses = load_poses(tmp_path / "recDLC_x.h5")
    assert poses.video == tmp_path / "rec.mp4" and poses.fps is None


def test_real_video_frame_count(shared_data):
    pytest.importorskip("av")
    poses = load_poses(
        shared_data / OPENFIELD, video=shared_data / "dlc/openfield_pranav/m3v1mp4.mp4"
    )  # 2330 pose rows, 2330 video frames: no warning expected
    assert poses.fps == pytest.approx(30.0, rel=0.01)
    assert poses.video.name == "m3v1mp4.mp4"


# ------------------------------------------------------------------ edges
def test_default_edges_mouse_names():
    names = ["Nose", "Left_ear", "Right ear", "neck", "Spine_1", "Center", "Spine_2",
             "Tail_base", "Tail_1", "Tail_tip", "Left_bhip", "Right_fhip"]  # fmt: skip
    edges = {(names[a], names[b]) for a, b in default_edges(names)}
    assert ("Nose", "Left_ear") in edges and ("Nose", "Right ear") in edges
    assert ("neck", "Left_ear") in edges
    chain = ["Nose", "neck", "Spine_1", "Center", "Spine_2", "Tail_base", "Tail_1",
             "Tail_tip"]  # fmt: skip
    assert set(zip(chain[:-1], chain[1:])) <= edges
    assert ("Tail_base", "Left_bhip") in edges and ("neck", "Right_fhip") in edges


def test_default_edges_fallbacks():
    assert default_edges(["snout", "TAILBASE"]) == ((0, 1),)
    assert default_edges(["a", "b", "c"]) == ((0, 1), (1, 2))  # chain
    assert default_edges(["only"]) == ()
    assert default_edges([]) == ()
    names = ["nose", "water_tube", "joystick"]
    assert default_edges(names) == ((0, 1), (1, 2))  # nothing linked -> chain


def test_import_stays_light(shared_data):
    slp = shared_data / "sleap/clip_tracks/clip.predictions.slp"
    code = (
        "import sys, warnings; warnings.simplefilter('ignore'); import behavert; "
        f"behavert.load_poses({str(shared_data / OPENFIELD)!r}); "
        f"behavert.load_poses({str(slp)!r}); "
        "heavy = ('napari', 'qtpy', 'PyQt6', 'torch'); "
        "heavy = [m for m in heavy if m in sys.modules]; "
        "print(heavy); assert not heavy, heavy"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert result.stdout.strip() == "[]"


# ---------------------------------------------------- single-video fallback
def _write_video(path, n_frames):
    cv2 = pytest.importorskip("cv2")
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (16, 16))
    for t in range(n_frames):
        writer.write(np.full((16, 16, 3), 10 * t, dtype=np.uint8))
    writer.release()


def test_single_video_fallback_real_openfield(shared_data, caplog):
    pytest.importorskip("av")
    with caplog.at_level("INFO", logger="behavert.io.video_lookup"):
        poses = load_poses(shared_data / OPENFIELD)  # not <video>DLC_<scorer> named
    assert poses.video == shared_data / "dlc/openfield_pranav/m3v1mp4.mp4"
    assert poses.fps == pytest.approx(30.0, rel=0.01)
    assert "using m3v1mp4.mp4, the only video" in caplog.text
    assert "2330 frames" in caplog.text


def test_single_video_fallback_synthetic(tmp_path, caplog):
    pytest.importorskip("av")
    _write_dlc(tmp_path / "synthetic_poses.h5", n=4)
    _write_video(tmp_path / "synthetic_a.mp4", 4)
    _write_video(tmp_path / "synthetic_b.mp4", 4)
    with caplog.at_level("INFO", logger="behavert.io.video_lookup"):
        assert load_poses(tmp_path / "synthetic_poses.h5").video is None
    assert "2 videos" in caplog.text and "none chosen" in caplog.text
    (tmp_path / "synthetic_b.mp4").unlink()
    poses = load_poses(tmp_path / "synthetic_poses.h5")  # one video, 4 frames
    assert poses.video == tmp_path / "synthetic_a.mp4"
    assert poses.fps == pytest.approx(10.0)
    _write_video(tmp_path / "synthetic_a.mp4", 5)  # one video, wrong count
    caplog.clear()
    with caplog.at_level("INFO", logger="behavert.io.video_lookup"):
        assert load_poses(tmp_path / "synthetic_poses.h5").video is None
    assert "it has 5 frames, the poses 4" in caplog.text
    assert find_video(tmp_path / "synthetic_poses.h5") is None  # no n_frames: off
