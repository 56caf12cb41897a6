"""
Load DeepLabCut and SLEAP files and plot the trajectories
=========================================================

`behavert.load_poses` reads DeepLabCut prediction tables (``.h5`` / ``.csv``)
and SLEAP files (``.slp``, analysis ``.h5``) into one container,
`behavert.io.Poses`: ``position`` is ``(time, individual, keypoint, space)``
with NaN where a point is missing, ``confidence`` is ``(time, individual,
keypoint)``, and the keypoint and individual names, the skeleton's edges, the
frame rate, the video and the file's own frame numbers come with it.

The files are public recordings from ``../shared/data`` (next to the
repository; set ``BEHAVERT_SHARED_DATA`` to use another folder): a mouse in an
open field tracked by DeepLabCut, with its video, and two courting flies
tracked by SLEAP.
"""

# %%
# Where the data is
# -----------------
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import behavert
from behavert.colors import individual_colors
from behavert.io.video import open_video

try:
    HERE = Path(__file__).resolve().parent
except NameError:  # sphinx-gallery runs the examples in their folder
    HERE = Path.cwd()
DATA = Path(os.environ.get("BEHAVERT_SHARED_DATA", HERE.parents[1] / "shared" / "data"))
if not DATA.is_dir():
    raise FileNotFoundError(f"{DATA} not found: set BEHAVERT_SHARED_DATA")

# %%
# A DeepLabCut file
# -----------------
# Points whose likelihood is below 0.6 become missing. The video is named
# explicitly here (``video=``); next to a file of the same stem it is found
# automatically.
openfield = DATA / "dlc" / "openfield_pranav"
mouse = behavert.load_poses(
    openfield / "openfield_dlc_inference_example.csv",
    video=openfield / "m3v1mp4.mp4",
    likelihood_threshold=0.6,
)
print(mouse)
print("keypoints:", mouse.keypoints, f"| fps: {mouse.fps:.2f}")
print(f"missing points: {np.isnan(mouse.position[..., 0]).mean():.1%}")

# %%
# The trajectory of every keypoint over the first frame of the video. The video
# reader is lazy and frame-exact: indexing it decodes only the frames asked for.
video = open_video(mouse.video)
frame = video[0]
fig, ax = plt.subplots(figsize=(6, 4.5))
ax.imshow(frame, cmap="gray")
for k, name in enumerate(mouse.keypoints):
    xy = mouse.position[:, 0, k, :]
    ax.plot(xy[:, 0], xy[:, 1], lw=0.6, label=name)
ax.set_title(f"DeepLabCut: {mouse.n_frames} frames, {mouse.n_keypoints} keypoints")
ax.legend(loc="upper right", fontsize=7)
ax.set_axis_off()

# %%
# A SLEAP file
# ------------
# Two flies with 13 keypoints; the tracks become the individuals.
flies = behavert.load_poses(DATA / "sleap" / "fly_courtship" / "predictions.slp")
print(flies)
print("individuals:", flies.individuals)
print("edges:", flies.edge_names[:4], "...")

# %%
# The thorax of each fly over two minutes, coloured by individual (the same
# colours as the napari layers), and its speed over time.
thorax = flies.keypoints.index("thorax")
colours = individual_colors(flies.individuals)
t = np.arange(flies.n_frames) / flies.fps
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4.2))
for i, name in enumerate(flies.individuals):
    xy = flies.position[:, i, thorax, :]
    ax0.plot(xy[:, 0], xy[:, 1], lw=0.5, color=colours[name], label=name)
    speed = np.linalg.norm(np.diff(xy, axis=0), axis=1) * flies.fps
    ax1.plot(t[1:], speed, lw=0.5, color=colours[name], label=name)
ax0.set_aspect("equal")
ax0.invert_yaxis()  # image coordinates: y grows downwards
ax0.set_title("SLEAP: thorax trajectories")
ax0.legend(fontsize=7)
ax1.set_xlabel("time (s)")
ax1.set_ylabel("thorax speed (px/s)")
fig.tight_layout()
