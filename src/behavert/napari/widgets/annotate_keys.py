"""Which Annotate widget the keys 1-9 and Backspace go to.

The Annotate dock and the Workflow dock's Annotate tab are two widgets on one
viewer, and each binds the same keys on the viewer and its layers (the last
binding wins in napari's keymaps). Every binding therefore asks this registry
for the widget to act on: the last created of those the user can see, else the
last created. The widgets share the annotations through the pose layer's
metadata; ``peers`` lists the others, which re-read them after a change.
"""

from __future__ import annotations

import weakref
from typing import Any

__all__ = ["key_owner", "peers", "register"]

_LIVE: list[weakref.ReferenceType] = []


def register(widget: Any) -> None:
    """Add an Annotate widget (held weakly) to the registry."""
    _LIVE.append(weakref.ref(widget))


def _alive(widget: Any) -> bool:
    """False once Qt has deleted the widget (its dock was closed)."""
    try:
        widget.native.objectName()
    except RuntimeError:
        return False
    return True


def _widgets(viewer: Any) -> list:
    """The live widgets on ``viewer``, oldest first."""
    out = []
    for ref in list(_LIVE):
        widget = ref()
        if widget is None or not _alive(widget):
            _LIVE.remove(ref)
        elif widget._viewer is viewer:
            out.append(widget)
    return out


def key_owner(viewer: Any) -> Any | None:
    """The widget a key press on ``viewer`` acts on (None when none is left)."""
    widgets = _widgets(viewer)
    shown = [w for w in widgets if w.native.isVisible()]
    return (shown or widgets or [None])[-1]


def peers(widget: Any) -> list:
    """The other live Annotate widgets on ``widget``'s viewer."""
    return [w for w in _widgets(widget._viewer) if w is not widget]
