"""The napari shell of behavert: reader, sample data, layer converters, widgets.

This package is the only part of behavert that imports napari, qtpy or magicgui;
its modules import them themselves, so ``behavert.napari.layers`` stays light.
"""
