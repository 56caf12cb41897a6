"""``python -m behavert.cli ...`` runs the ``behavert`` command (what ``torchrun
-m`` and ``accelerate launch -m`` need for multi-process pretraining)."""

import sys

from .main import app

sys.exit(app())
