"""The ``behavert`` command line: one module per command.

Subcommands: ``info``, ``pretrain``, ``train``, ``predict``, ``embed``,
``evaluate``, ``analyze``, ``transfer``, ``benchmark`` and ``demo``. POSES
arguments are any files ``load_poses`` reads. Every path -> object adapter
(pose and label files, run folders, JSON outputs) lives in this package; the
core it calls takes objects. Heavy modules (torch, transformers) are imported
only by the commands that need them; napari is never imported here (the demo's
screenshot runs napari in a child process). Nothing imports ``behavert.cli``.
"""

from __future__ import annotations

from .main import app, build_parser

__all__ = ["app", "build_parser"]
