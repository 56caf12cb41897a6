"""Route behavert errors and warnings to napari notifications."""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator

from napari.utils.notifications import show_error, show_warning

log = logging.getLogger(__name__)

__all__ = ["notify_error", "warnings_as_notifications"]


def notify_error(exc: BaseException, context: str = "") -> None:
    """Show an exception as a napari error notification (never re-raises)."""
    prefix = f"{context}: " if context else ""
    log.debug("notifying error", exc_info=exc)
    show_error(f"{prefix}{exc}")


@contextlib.contextmanager
def warnings_as_notifications() -> Iterator[list[warnings.WarningMessage]]:
    """Catch the warnings raised in the block and show each as a notification.

    Yields
    ------
    list of warnings.WarningMessage
        The caught warnings (filled when the block ends).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught
    seen = set()
    for item in caught:
        text = str(item.message)
        if text not in seen:
            seen.add(text)
            show_warning(text)
