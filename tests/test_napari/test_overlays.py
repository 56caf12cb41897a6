"""Tests for behavert.napari.convert (attention, motif and behaviour layers)."""

from __future__ import annotations

import numpy as np
import pytest

from behavert.colors import (
    CATEGORY_PALETTE,
    MOTIF_PALETTE,
    NONE_COLOR,
    category_colors,
    motif_colors,
)
from behavert.datasets.synthetic import generate_synthetic
from behavert.napari.convert.behaviour import behaviour_to_layer
from behavert.napari.convert.overlays import (
    attention_caption,
    attention_range,
    attention_style,
    attention_to_layer,
    motifs_to_layer,
)

# matplotlib's inferno at 0, 0.5 (LUT entry 128) and 1
INFERNO_0 = (0.001462, 0.000466, 0.013866, 1.0)
INFERNO_HALF = (0.735683, 0.215906, 0.330245, 1.0)
INFERNO_1 = (0.988362, 0.998364, 0.644924, 1.0)


@pytest.fixture(scope="module")
def rec():
    """A small synthetic two-mouse recording (60 frames)."""
    return generate_synthetic(60, seed=3)


def _frame_rows(data: np.ndarray, frame: int) -> np.ndarray:
    return np.flatnonzero(data[:, 0] == frame)


def test_attention_style_documented_rule():
    rgba, size = attention_style(np.array([0.0, 1.0, 2.0, np.nan]), size_range=(3, 15))
    np.testing.assert_allclose(size, [3.0, 9.0, 15.0, 3.0])
    np.testing.assert_allclose(rgba, [INFERNO_0, INFERNO_HALF, INFERNO_1, INFERNO_0])
    with pytest.raises(ValueError, match=">= 0"):
        attention_style(np.array([0.5, -0.1]))


def test_attention_layer_colours_and_sizes_of_a_frame(rec):
    poses = rec.poses
    attention = np.zeros(poses.n_frames)
    attention[10], attention[20], attention[30] = 0.5, 1.0, 2.0
    data, kwargs, layer_type = attention_to_layer(
        poses, attention, name="att", size_range=(4.0, 20.0)
    )
    assert layer_type == "points" and kwargs["name"] == "att"
    assert kwargs["face_color"] == "attention"
    assert kwargs["face_colormap"] == "inferno"
    assert kwargs["face_contrast_limits"] == (0.0, 2.0)
    features = kwargs["features"]
    for frame, a, size in [(10, 0.5, 8.0), (20, 1.0, 12.0), (30, 2.0, 20.0)]:
        rows = _frame_rows(data, frame)
        n_finite = np.isfinite(poses.position[frame, ..., 0]).sum()
        assert len(rows) == n_finite > 20
        np.testing.assert_allclose(features["attention"].to_numpy()[rows], a)
        np.testing.assert_allclose(kwargs["size"][rows], size)
    # colour rule: colormap(a / max) = colormap(limit-normalised feature)
    lo, hi = kwargs["face_contrast_limits"]
    rgba, _ = attention_style(attention)
    np.testing.assert_allclose(rgba[20], INFERNO_HALF)
    np.testing.assert_allclose(rgba[30], INFERNO_1)
    np.testing.assert_allclose((1.0 - lo) / (hi - lo), 0.5)
    rows = _frame_rows(data, 5)
    np.testing.assert_allclose(kwargs["size"][rows], 4.0)
    # points sit on the animals of their frame
    i, k = (
        features["individual"].cat.codes[rows[0]],
        features["keypoint"].cat.codes[rows[0]],
    )
    np.testing.assert_allclose(data[rows[0], 1:], poses.position[5, i, k, ::-1])
    np.testing.assert_array_equal(kwargs["metadata"]["attention"], attention)


def test_attention_layer_rejects_wrong_length(rec):
    with pytest.raises(ValueError, match="one value per pose frame"):
        attention_to_layer(rec.poses, np.ones(rec.poses.n_frames + 1))


def test_attention_layer_all_zero(rec):
    data, kwargs, _ = attention_to_layer(rec.poses, np.zeros(rec.poses.n_frames))
    assert kwargs["face_contrast_limits"] == (0.0, 1.0)
    np.testing.assert_allclose(kwargs["size"], 3.0)


def test_flat_attention_is_shown_over_the_recordings_own_range(rec):
    """A nearly flat curve (a frame classifier's rollout) still shows its ups."""
    poses = rec.poses
    rng = np.random.default_rng(0)
    attention = 0.71 + 0.07 * rng.standard_normal(poses.n_frames)
    attention[12], attention[40] = 0.5, 0.95  # the lowest and the highest frame
    data, kwargs, _ = attention_to_layer(poses, attention, size_range=(2.0, 10.0))
    lo, hi = kwargs["face_contrast_limits"]
    assert (lo, hi) == (0.5, 0.95) == kwargs["metadata"]["display_range"]
    # the lowest frame is drawn small and dark, the highest large and bright
    np.testing.assert_allclose(kwargs["size"][_frame_rows(data, 12)], 2.0)
    np.testing.assert_allclose(kwargs["size"][_frame_rows(data, 40)], 10.0)
    rgba, _ = attention_style(attention, limits=(lo, hi))
    np.testing.assert_allclose(rgba[[12, 40]], [INFERNO_0, INFERNO_1])
    # the raw values are kept (features, metadata, timeline track)
    rows = _frame_rows(data, 40)
    np.testing.assert_allclose(kwargs["features"]["attention"].to_numpy()[rows], 0.95)
    np.testing.assert_array_equal(kwargs["metadata"]["attention"], attention)
    assert attention_range([2.0, 2.0]) == (0.0, 2.0)
    assert attention_range([0.0, np.nan]) == (0.0, 1.0)


def test_attention_caption_names_the_model_and_a_flat_curve():
    flat = 0.7 + 0.01 * np.sin(np.arange(100))
    peaked = np.r_[np.zeros(90), np.ones(10)]
    seq = attention_caption("sequence", "grad", peaked)
    frame = attention_caption("frame", "rollout", flat)
    encoder = attention_caption("encoder", "rollout", flat)
    assert "sequence classifier's decision" in seq and "gradient" in seq
    assert "flat" not in seq
    assert "frame classifier" in frame and "not why a frame got its label" in frame
    assert "Nearly flat" in frame and "0.69-0.71" not in frame
    detail = attention_caption("frame", "rollout", flat, details=True)
    assert detail.startswith(frame) and "0.69-0.71" in detail
    assert "pretrained encoder" in encoder and "no decision" in encoder
    assert len({seq, frame, encoder}) == 3
    with pytest.raises(ValueError, match="kind"):
        attention_caption("forest", "grad", flat)


def test_motif_layer_colours_and_text(rec):
    poses = rec.poses
    motif = np.full(poses.n_frames, 2)
    motif[:5] = -1
    motif[40:] = 25
    names = {2: "sniff", 25: "chase"}
    embedding = np.random.default_rng(0).normal(size=(poses.n_frames, 2))
    data, kwargs, layer_type = motifs_to_layer(
        poses, motif, names, name="motifs", embedding=embedding
    )
    assert layer_type == "points"
    features, colors = kwargs["features"], kwargs["face_color"]
    assert colors.shape == (len(data), 4)
    for frame, name, hex_color in [
        (0, "", NONE_COLOR),
        (10, "sniff", MOTIF_PALETTE[2]),
        (50, "chase", MOTIF_PALETTE[5]),
    ]:
        rows = _frame_rows(data, frame)
        want = [int(hex_color[j : j + 2], 16) / 255 for j in (1, 3, 5)]
        np.testing.assert_allclose(colors[rows, :3], np.tile(want, (len(rows), 1)))
        assert set(features["motif_name"].iloc[rows]) == {name}
        labels = features["label"].iloc[rows]
        # one text per frame, on the resident's neck (when tracked)
        neck = (features["keypoint"].iloc[rows] == "neck") & (
            features["individual"].iloc[rows] == "resident"
        )
        assert set(labels[~neck]) <= {""}
        assert set(labels[neck]) <= {name}
    assert kwargs["text"]["string"] == "label"
    np.testing.assert_array_equal(kwargs["metadata"]["embedding"], embedding)
    assert motif_colors([-1, 0, 21]) == {
        -1: NONE_COLOR,
        0: MOTIF_PALETTE[0],
        21: MOTIF_PALETTE[1],
    }


def test_motif_layer_default_and_missing_names(rec):
    motif = np.zeros(rec.poses.n_frames, int)
    motif[30:] = 1
    _, kwargs, _ = motifs_to_layer(rec.poses, motif)
    assert set(kwargs["features"]["motif_name"]) == {"motif 0", "motif 1"}
    _, kwargs, _ = motifs_to_layer(rec.poses, motif, ["a", "b"])
    assert set(kwargs["features"]["motif_name"]) == {"a", "b"}
    with pytest.raises(ValueError, match=r"no name for motif ids \[1\]"):
        motifs_to_layer(rec.poses, motif, {0: "a"})


def test_behaviour_layer_on_resident_with_probabilities(rec):
    poses = rec.poses
    classes = ("idle", "rearing", "grooming")
    labels = np.zeros(poses.n_frames, int)
    labels[20:] = 2
    labels[50:] = -1
    prob = np.full((poses.n_frames, 3), 0.1)
    prob[np.arange(poses.n_frames), np.maximum(labels, 0)] = 0.8
    data, kwargs, _ = behaviour_to_layer(
        poses, labels, classes=classes, probabilities=prob, name="pred"
    )
    features = kwargs["features"]
    assert set(features["individual"]) == {"resident"}
    rows = _frame_rows(data, 25)
    assert set(features["behaviour"].iloc[rows]) == {"grooming"}
    assert set(features["label"].iloc[rows]) == {"", "grooming 0.80"}
    np.testing.assert_allclose(features["probability"].iloc[rows], 0.8)
    colors = category_colors(classes)
    assert colors["grooming"] == CATEGORY_PALETTE[2]
    want = [int(colors["grooming"][j : j + 2], 16) / 255 for j in (1, 3, 5)]
    np.testing.assert_allclose(kwargs["face_color"][rows[0], :3], want)
    rows = _frame_rows(data, 55)
    assert set(features["behaviour"].iloc[rows]) == {""}
    assert set(features["label"].iloc[rows]) == {""}
    np.testing.assert_allclose(kwargs["face_color"][rows[0], :3], 128 / 255)
    with pytest.raises(ValueError, match="classes="):
        behaviour_to_layer(poses, labels)


def test_behaviour_layer_from_names_by_individual_name(rec):
    names = np.array(rec.behaviours, dtype=object)[rec.labels]
    data, kwargs, _ = behaviour_to_layer(rec.poses, names, individual="intruder")
    assert set(kwargs["features"]["individual"]) == {"intruder"}
    assert kwargs["metadata"]["classes"] == tuple(sorted(set(names)))
    np.testing.assert_array_equal(kwargs["metadata"]["behaviour"], names)


# ------------------------------------------------------------------ GUI
@pytest.mark.gui
def test_attention_layer_in_napari_colours_and_colorbar(make_napari_viewer_proxy, rec):
    from behavert.napari.convert.overlays import show_colorbar

    viewer = make_napari_viewer_proxy()
    attention = np.linspace(0.0, 2.0, rec.poses.n_frames)
    data, kwargs, _ = attention_to_layer(rec.poses, attention)
    layer = viewer.add_points(data, **kwargs)
    assert show_colorbar(layer) and layer.face_colorbar.visible
    rgba, size = attention_style(attention)
    t = data[:, 0].astype(int)
    # napari interpolates its inferno table: equal within one LUT step
    np.testing.assert_allclose(layer.face_color, rgba[t], atol=0.02)
    np.testing.assert_allclose(layer.size, size[t])


@pytest.mark.gui
def test_frame_window_keeps_rows_near_current_frame(make_napari_viewer_proxy, rec):
    from behavert.napari.frame_window import FrameWindow, frame_window

    viewer = make_napari_viewer_proxy()
    motif = np.arange(rec.poses.n_frames) // 20
    data, kwargs, _ = motifs_to_layer(rec.poses, motif)
    layer = viewer.add_points(data, **kwargs)
    assert frame_window(viewer, layer) is None  # small: left whole
    viewer.dims.set_current_step(0, 0)
    window = FrameWindow(viewer, layer, half_width=3)
    assert window.n_rows == len(data)
    assert set(layer.data[:-1, 0]) == {0, 1, 2, 3}
    assert layer.data[-1, 0] == rec.poses.n_frames - 1  # keeps the time extent
    viewer.dims.set_current_step(0, 30)
    frames = layer.data[:, 0]
    assert frames[0] == 0 and frames[-1] == rec.poses.n_frames - 1
    assert set(frames[1:-1]) == set(range(27, 34))
    rows = layer.data[:, 0] == 30
    assert set(layer.features["motif_name"][rows]) == {"motif 1"}
    np.testing.assert_allclose(
        layer.face_color[rows, :3],
        np.tile(kwargs["face_color"][data[:, 0] == 30][0, :3], (rows.sum(), 1)),
    )
    refills = window.n_refills
    viewer.dims.set_current_step(0, 31)
    assert window.n_refills == refills  # inside the window: untouched
    layer.visible = False
    viewer.dims.set_current_step(0, 45)
    assert window.n_refills == refills  # hidden: left alone
    layer.visible = True
    assert window.n_refills == refills + 1
    assert set(layer.data[1:-1, 0]) == set(range(42, 49))
    # a re-run replacing the data: the new rows become the full rows
    layer.data = data[data[:, 0] >= 50]
    layer.features = kwargs["features"][data[:, 0] >= 50].reset_index(drop=True)
    viewer.dims.set_current_step(0, 55)
    assert window.n_rows == int((data[:, 0] >= 50).sum())
    window.close()
    assert len(layer.data) == window.n_rows


@pytest.mark.gui
def test_screenshots_of_attention_and_cluster_layers(make_napari_viewer, screenshot):
    """Docs images (``BEHAVERT_WRITE_SCREENSHOTS=1`` copies them to docs/images)."""
    from behavert.napari.convert.layers import poses_to_layers
    from behavert.napari.convert.overlays import show_colorbar

    rec = generate_synthetic(300, seed=3, render_video=True, image_size=256)
    behaviour = rec.behaviours.index("nose_to_nose")
    frame = int(np.flatnonzero(rec.labels == behaviour)[20])
    attention = 0.1 + (rec.labels == behaviour) + 0.2 * (rec.labels == 1)
    viewer = make_napari_viewer(show=True)
    for data, kwargs, kind in poses_to_layers(rec.poses, rec.video, name="mice"):
        if kind != "points":
            getattr(viewer, f"add_{kind}")(data, **kwargs)
    data, kwargs, _ = attention_to_layer(rec.poses, attention, size_range=(2, 6))
    attention_layer = viewer.add_points(data, **kwargs)
    show_colorbar(attention_layer)
    viewer.dims.set_current_step(0, frame)
    viewer.reset_view()
    xy = np.nanmean(rec.poses.position[frame], axis=(0, 1))
    viewer.scene.camera.center = (xy[1], xy[0])
    viewer.scene.camera.zoom *= 2.5
    image = screenshot(viewer, "attention_layer.png")
    # the brightest inferno colours (pale yellow, a = max) are on screen
    yellow = (image[..., 0] > 220) & (image[..., 1] > 200) & (image[..., 2] < 180)
    assert yellow.sum() > 50

    attention_layer.visible = False
    data, kwargs, _ = motifs_to_layer(rec.poses, rec.labels, rec.behaviours)
    viewer.add_points(data, **kwargs)
    image = screenshot(viewer, "cluster_layer.png")
    r, g, b = (int(MOTIF_PALETTE[behaviour][i : i + 2], 16) for i in (1, 3, 5))
    close = (
        (np.abs(image[..., 0].astype(int) - r) < 12)
        & (np.abs(image[..., 1].astype(int) - g) < 12)
        & (np.abs(image[..., 2].astype(int) - b) < 12)
    )
    assert close.sum() > 50  # the nose_to_nose motif colour


@pytest.mark.gui
def test_ensure_frame_window_windows_long_layers_once(make_napari_viewer):
    """Widgets call ensure_frame_window: long layers get one window, short none."""
    import numpy as np

    from behavert.napari.frame_window import ensure_frame_window

    viewer = make_napari_viewer()
    frames = np.repeat(np.arange(3000), 2)
    rows = np.column_stack([frames, np.zeros_like(frames), np.zeros_like(frames)])
    long_layer = viewer.add_points(rows.astype(float))
    short_layer = viewer.add_points(rows[:10].astype(float))
    window = ensure_frame_window(viewer, long_layer, min_rows=1000, half_width=50)
    assert window is not None
    assert ensure_frame_window(viewer, long_layer, min_rows=1000) is window
    assert len(long_layer.data) < len(rows)
    assert ensure_frame_window(viewer, short_layer, min_rows=1000) is None
    assert len(short_layer.data) == 10


def test_a_behaviour_has_one_colour_in_the_figures_and_the_napari_layers(rec):
    """The ethogram (matplotlib) and the behaviour layer (napari) agree."""
    import pandas as pd
    from matplotlib.colors import to_rgba

    from behavert.report.figures import ethogram

    classes = ("other", "rearing", "grooming")
    labels = np.zeros(rec.poses.n_frames, int)
    labels[10:30], labels[40:] = 1, 2
    names = np.array(classes)[labels]
    frames = pd.DataFrame({"motif": np.zeros(len(labels), int), "behaviour": names})
    fig = ethogram(frames, class_names=classes)
    legend = {
        t.get_text(): to_rgba(h.get_facecolor())
        for t, h in zip(
            fig.axes[0].get_legend().get_texts(),
            fig.axes[0].get_legend().legend_handles,
        )
    }
    data, kwargs, _ = behaviour_to_layer(rec.poses, labels, classes=classes)
    for behaviour in classes:
        row = np.flatnonzero(kwargs["features"]["behaviour"] == behaviour)[0]
        np.testing.assert_allclose(kwargs["face_color"][row], legend[behaviour])
    assert legend["other"] == to_rgba(NONE_COLOR)
    assert legend["rearing"] == to_rgba(category_colors(classes)["rearing"])


@pytest.mark.gui
def test_behaviour_and_motif_labels_do_not_overlap_on_screen(make_napari_viewer, rec):
    """Predicted behaviour and motif both label the first animal's neck: drawn
    together, the two texts land in different rows of the canvas (the motif's
    below the point, the behaviour's above), not on top of each other."""
    viewer = make_napari_viewer(show=True)
    names = np.array(["approach"] * rec.poses.n_frames, dtype=object)
    layers = []
    for data, kwargs, kind in (
        behaviour_to_layer(rec.poses, names, classes=["approach"]),
        motifs_to_layer(rec.poses, np.full(rec.poses.n_frames, 3)),
    ):
        layer = getattr(viewer, f"add_{kind}")(data, **kwargs)
        layer.size = 0.01  # only the text is drawn
        layers.append(layer)
    viewer.dims.set_current_step(0, 10)
    xy = np.nanmean(rec.poses.position[10, 0, :, :2], axis=0)
    viewer.scene.camera.center = (float(xy[1]), float(xy[0]))
    viewer.scene.camera.zoom = 2.0

    def text_rows(visible) -> np.ndarray:
        for layer in layers:
            layer.visible = layer is visible
        shot = viewer.screenshot(canvas_only=True, size=(400, 400))[..., :3]
        white = (shot > 180).all(axis=-1)
        rows = np.flatnonzero(white.any(axis=1))
        assert len(rows), f"no text drawn for {visible.name}"
        return rows

    behaviour, motif = (text_rows(layer) for layer in layers)
    assert behaviour.max() < motif.min(), (behaviour, motif)
