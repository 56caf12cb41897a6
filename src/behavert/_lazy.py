"""Lazy package exports: a package lists its public names and their modules.

``__getattr__, __dir__ = lazy_exports(__name__, EXPORTS)`` in a package's
``__init__`` imports a submodule only when one of its names is first used, so
``import behavert.train`` or ``behavert.data.features`` stay light (no torch,
no scikit-learn) until a name needs them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package with lazy ``exports``.

    Parameters
    ----------
    package
        The package's ``__name__``.
    exports
        Public name -> module holding it, relative to the package (``".loop"``,
        ``"..model.device"``).
    """

    def __getattr__(name: str) -> Any:
        if name in exports:
            module = importlib.import_module(exports[name], package)
            return getattr(module, name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        module = importlib.import_module(package)
        return sorted(set(vars(module)) | set(exports))

    return __getattr__, __dir__
