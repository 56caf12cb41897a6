"""bench_rat's pretrained rat encoder, cached on disk by its settings.

``bench_rat.pretrained(seed)`` pretrains a encoder on the unlabelled poses of
the rat training sessions (minutes on a 2-core CPU). Search runs
(``bench_rat_recipes.py``) and the rat -> mouse transfer of ``bench_real.py``
reuse one saved run (safetensors, ``behavert.train.run.save_run``) per
settings: the pretraining and masking settings, the model configuration (so a
changed default gives a new run), the tokenizer's ``max_gap`` and the seed.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_rat as B  # noqa: E402

DEFAULT_CACHE = Path("/tmp/behavert-rat-pretrained")


def settings_key(seed: int) -> str:
    """md5 of everything that decides the pretrained encoder."""
    settings = [
        B.PRETRAIN,
        B.PRETRAIN_MASK,
        B.SIZE,
        B.PRESET,
        B.MAX_GAP,
        B.model_config().to_dict(),
        seed,
    ]
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.md5(text.encode()).hexdigest()


def rat_encoder(seed: int, cache: Path = DEFAULT_CACHE, build=None):
    """``(TrainedRun, pretraining seconds)``: loaded when cached, else built.

    ``build(seed)`` makes the run (default ``bench_rat.pretrained``'s own
    function, uncached in memory).
    """
    from behavert.train import TrainedRun
    from behavert.train.run import load_run, save_run

    folder = Path(cache) / settings_key(seed)
    if (folder / "meta.json").exists():
        model, tokenizer, meta = load_run(folder)
        return TrainedRun(model, tokenizer), meta["pretrain_seconds"]
    run, seconds = (build or B.pretrained.__wrapped__)(seed)
    save_run(folder, run.model, run.tokenizer, {"pretrain_seconds": seconds})
    return run, seconds
