"""The napari shell of behavert: reader, sample data, converters, widgets.

- ``_reader`` / ``_sample_data``: the npe2 reader and sample data;
- ``convert/``: pure converters to ``(data, kwargs, layer_type)`` (no viewer);
- ``frame_window``: keeps long layers to the frames near the time slider;
- ``workers``: jobs off the main thread; ``widgets/``: the dock widgets.

This package is the only part of behavert that imports napari, qtpy or magicgui;
its modules import them themselves, so ``behavert.napari.convert`` stays light.
"""
