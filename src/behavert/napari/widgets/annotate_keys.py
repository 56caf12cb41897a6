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

__all__ = [
    "bind_keys",
    "delete_callback",
    "key_owner",
    "peers",
    "register",
    "toggle_callback",
]

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


def toggle_callback(viewer: Any, k: int):
    """Key ``k + 1``: start or end a bout of class ``k`` in the owning widget."""

    def toggle(*_: object) -> None:
        owner = key_owner(viewer)
        if owner is not None:
            owner.toggle_bout(k)

    return toggle


def delete_callback(viewer: Any):
    """Backspace: delete the bout under the cursor in the owning widget."""

    def delete(*_: object) -> None:
        owner = key_owner(viewer)
        if owner is not None:
            owner.delete_bout_at_cursor()

    return delete


def bind_keys(viewer: Any, targets: list, delete_key: str) -> None:
    """Bind 1-9 and ``delete_key`` on ``targets`` (the viewer and its layers).

    napari asks the selected layer's keymap before the viewer's (a Points
    layer's ``2`` is "add points"), so the keys go on every layer as well. A
    key acts on `key_owner`: with the Annotate dock and the Workflow's
    Annotate tab both open, the one the user sees.
    """
    for target in targets:
        for k in range(9):
            target.bind_key(str(k + 1), toggle_callback(viewer, k), overwrite=True)
        target.bind_key(delete_key, delete_callback(viewer), overwrite=True)
