"""Tests for behavert.io.video: lazy, frame-exact video access."""

from __future__ import annotations

import pickle
from pathlib import Path

import av
import numpy as np
import pytest

from behavert.errors import CorruptFileError, FileProblemError
from behavert.io.video import VideoReader, count_frames, open_video, video_fps

VIDEOS = {  # path below shared/data -> frame count from the data README
    "dlc/openfield_pranav/m3v1mp4.mp4": 2330,
    "sleap/centered_pair/centered_pair_low_quality.mp4": 1100,
    "sleap/fly_courtship/20190128_113421.120s.mp4": 3000,
    "sleap/flies13/demo-flies13-preds.mp4": 1350,
    "sleap/clip_tracks/clip.mp4": 1500,
}


def _sequential_frames(path: Path, wanted: set[int]) -> dict[int, np.ndarray]:
    """Decode a video from the start without seeking; keep the wanted frames."""
    out = {}
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i in wanted:
                out[i] = frame.to_ndarray(format="rgb24")
    return out


def write_synthetic_video(path: Path, n_frames: int = 40, color: bool = True) -> Path:
    """Write a small synthetic H.264 video, all frames distinct, keyframe every 8."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height = 64, 48
        stream.pix_fmt = "yuv444p" if color else "yuv420p"
        stream.options = {"g": "8", "bf": "2", "crf": "10"}
        rng = np.random.default_rng(0)
        for i in range(n_frames):
            img = np.zeros((48, 64, 3), np.uint8)
            img[:, : i + 1] = 200  # a bar whose width encodes the frame number
            img += rng.integers(0, 20, img.shape, dtype=np.uint8)
            if color:
                img[..., 1] //= 2
            else:
                img[..., 1] = img[..., 2] = img[..., 0]
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


@pytest.fixture
def synthetic_video(tmp_path) -> Path:
    """A 40-frame synthetic colour video."""
    return write_synthetic_video(tmp_path / "synthetic.mp4")


# ---------------------------------------------------------------- real data
@pytest.mark.realdata
@pytest.mark.parametrize(
    "relpath",
    [
        "dlc/openfield_pranav/m3v1mp4.mp4",
        "sleap/centered_pair/centered_pair_low_quality.mp4",
    ],
)
def test_random_access_equals_sequential_decoding(shared_data, relpath):
    path = shared_data / relpath
    n = VIDEOS[relpath]
    order = [0, 1, 1200 % n, n - 1, 57, 1200 % n, 1201 % n, 600, 2]
    truth = _sequential_frames(path, set(order))
    video = open_video(path)
    assert video.shape[0] == n
    assert not video.rgb  # these videos are grey (R == G == B)
    for i in order:
        np.testing.assert_array_equal(video[i], truth[i][..., 0], err_msg=f"frame {i}")
    # two reads of one frame agree, also after the cache is bypassed
    video._cache.clear()
    np.testing.assert_array_equal(video[1200 % n], truth[1200 % n][..., 0])


@pytest.mark.realdata
def test_sequential_reads_do_not_seek(shared_data):
    video = open_video(shared_data / "dlc/openfield_pranav/m3v1mp4.mp4")
    video[100]
    seeks = video.n_seeks
    frames = [video[i] for i in range(101, 130)]
    assert video.n_seeks == seeks
    assert len({f.tobytes() for f in frames}) > 1


@pytest.mark.realdata
@pytest.mark.parametrize("relpath", sorted(VIDEOS))
def test_frame_counts_match_readme(shared_data, relpath):
    path = shared_data / relpath
    assert count_frames(path) == VIDEOS[relpath]
    assert len(open_video(path, grayscale=True)) == VIDEOS[relpath]


@pytest.mark.realdata
def test_video_fps(shared_data):
    assert (
        video_fps(shared_data / "sleap/centered_pair/centered_pair_low_quality.mp4")
        == 15
    )
    assert video_fps(shared_data / "dlc/openfield_pranav/m3v1mp4.mp4") == pytest.approx(
        30, abs=1e-3
    )


# ----------------------------------------------------------- synthetic data
def test_synthetic_color_video_shape_and_random_access(synthetic_video):
    video = open_video(synthetic_video)
    assert isinstance(video, VideoReader)
    assert video.shape == (40, 48, 64, 3)
    assert video.ndim == 4 and video.dtype == np.uint8 and len(video) == 40
    assert video.rgb
    truth = _sequential_frames(synthetic_video, set(range(40)))
    for i in [39, 0, 17, 16, 15, 8, 7, 33, 34, 1, 20]:
        np.testing.assert_array_equal(video[i], truth[i], err_msg=f"frame {i}")
    assert video.fps == 25


def test_synthetic_forced_grayscale(synthetic_video):
    video = open_video(synthetic_video, grayscale=True)
    assert video.shape == (40, 48, 64)
    truth = _sequential_frames(synthetic_video, {5})
    np.testing.assert_array_equal(video[5], truth[5][..., 0])


def test_gray_detection(tmp_path):
    path = write_synthetic_video(
        tmp_path / "synthetic_gray.mp4", n_frames=10, color=False
    )
    video = open_video(path)
    assert video.shape == (10, 48, 64)


def test_indexing_forms(synthetic_video):
    video = open_video(synthetic_video)
    full = np.asarray(video)
    assert full.shape == video.shape
    np.testing.assert_array_equal(video[-1], full[39])
    np.testing.assert_array_equal(video[3:9:2], full[3:9:2])
    np.testing.assert_array_equal(video[[5, 2, 5]], full[[5, 2, 5]])
    np.testing.assert_array_equal(video[np.int64(4), 10:20, ::3], full[4, 10:20, ::3])
    np.testing.assert_array_equal(video[2:4, :, 5, 1], full[2:4, :, 5, 1])
    np.testing.assert_array_equal(video[..., 0], full[..., 0])
    assert video[7].flags.writeable is False
    with pytest.raises(IndexError):
        video[40]
    with pytest.raises(IndexError):
        video[-41]


def test_pickle_round_trip(synthetic_video):
    video = open_video(synthetic_video)
    video[3]
    clone = pickle.loads(pickle.dumps(video))
    assert clone.shape == video.shape
    np.testing.assert_array_equal(clone[30], video[30])


def test_count_frames_synthetic_avi(tmp_path):
    path = tmp_path / "synthetic.avi"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mjpeg", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuvj420p"
        for i in range(12):
            img = np.full((32, 32, 3), i * 10, np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(img, "rgb24")))
        container.mux(stream.encode(None))
    assert count_frames(path) == 12
    video = open_video(path)
    assert len(video) == 12
    assert abs(int(video[11].mean()) - 110) <= 2
    assert abs(int(video[2].mean()) - 20) <= 2


# -------------------------------------------------------------------- errors
def test_missing_file_names_the_file(tmp_path):
    missing = tmp_path / "nope.mp4"
    with pytest.raises(FileProblemError, match="nope.mp4") as info:
        open_video(missing)
    assert info.value.path == missing
    with pytest.raises(FileProblemError, match="nope.mp4"):
        count_frames(missing)


def test_corrupt_file_raises_corrupt_error(tmp_path):
    bad = tmp_path / "synthetic_garbage.mp4"
    bad.write_bytes(b"this is not a video" * 100)
    with pytest.raises(CorruptFileError, match="synthetic_garbage.mp4"):
        open_video(bad)
    with pytest.raises(CorruptFileError):
        video_fps(bad)


def test_folder_is_rejected(tmp_path):
    with pytest.raises(FileProblemError, match="folder"):
        open_video(tmp_path)
