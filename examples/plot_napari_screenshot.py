"""
Open a prediction in napari
===========================

The napari side of BehaVERT draws everything on the video's time axis: the
frames, the keypoints coloured by animal, the skeleton, and the behaviour the
model predicts for each frame (colour and text on the animal, with each
class probability as a layer feature). The converters of
``behavert.napari.convert`` turn poses and results into napari layer data
(``(data, kwargs, layer_type)``, testable without a viewer); the viewer only
displays them. The *Plugins > BehaVERT* docks make the same layers from
files, without code.

This example trains a tiny frame classifier on synthetic recordings, predicts
a new rendered recording, opens the result in a viewer and saves a
screenshot. napari needs a display: on a headless machine run it under
``xvfb-run -a python plot_napari_screenshot.py``.
"""

# %%
# A quick frame classifier
# ------------------------
import matplotlib.pyplot as plt
import napari
import numpy as np
import torch

from behavert.datasets import generate_synthetic, make_synthetic_dataset
from behavert.inference import predict_frames
from behavert.napari.convert import poses_to_layers, prediction_to_layer
from behavert.train import TrainConfig, finetune_frames, run_to_end

# The tiny model of this example runs faster on one CPU thread than on several
# (its matrices are too small to share out); leave this out for larger models.
torch.set_num_threads(1)

train = make_synthetic_dataset(3, n_frames=1800, seed=0)
classifier = run_to_end(
    finetune_frames(
        [r.poses for r in train],
        [r.labels for r in train],
        config="tiny",
        train_config=TrainConfig(lr=2e-3, batch_size=16, max_steps=100, seed=0),
        class_names=train[0].behaviours,
    )
)

# %%
# A new recording, rendered as a grey video (``(time, height, width)``
# frames), and the classifier's prediction for every frame.
new = generate_synthetic(600, seed=7, render_video=True)
prediction = predict_frames(classifier.model, classifier.tokenizer, new.poses)
contact = np.flatnonzero(new.labels == new.behaviours.index("nose_to_nose"))
shown = int(contact[len(contact) // 2])  # a frame of nose-to-nose contact
print(
    "frame",
    shown,
    "is",
    new.behaviours[new.labels[shown]],
    "| predicted:",
    prediction.names[prediction.labels[shown]],
)

# %%
# Open the result in napari
# -------------------------
# ``poses_to_layers`` gives the video, keypoints and skeleton layers;
# ``prediction_to_layer`` the behaviour layer. Every layer has a leading time
# axis, so napari's slider moves through the recording.
viewer = napari.Viewer()
layers = poses_to_layers(new.poses, video=new.video, name="synthetic")
layers.append(
    prediction_to_layer(
        new.poses, prediction.names, prediction.labels, prediction.probabilities
    )
)
for data, kwargs, layer_type in layers:
    getattr(viewer, f"add_{layer_type}")(data, **kwargs)
print([layer.name for layer in viewer.layers])
print(viewer.layers["behaviour"].features.columns.tolist())

# %%
# Go to the nose-to-nose frame and save a screenshot of the canvas (the
# viewer's window must be shown for napari to draw it). To explore the layers
# yourself, end with ``napari.run()`` instead of closing the viewer.
viewer.dims.set_current_step(0, shown)
viewer.reset_view()
screenshot = viewer.screenshot(canvas_only=True, flash=False)
viewer.close()

fig, ax = plt.subplots(figsize=(6, 6))
ax.imshow(screenshot)
ax.set_axis_off()
ax.set_title(f"napari: frame {shown}, predicted behaviour on the resident")
fig.tight_layout()
