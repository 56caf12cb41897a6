"""``transfer``: reuse a model pretrained on skeleton A for skeleton B (a generator).

The transformer (position embeddings, [CLS]/[MASK] vectors, every layer) is
copied unchanged; only the token projection, the ``Linear`` from one frame's
features to the hidden size, is rebuilt for B's feature vector. Its columns are
initialised from A's where the features correspond by name through a
:class:`~behavert.data.mapping.KeypointMapping` (``"resident/nose x"`` of B
from ``"rat_a/Snout x"`` of A; merged source keypoints give the mean of their
columns; B's individual ``j`` reads A's individual ``j % n_A``), and freshly
initialised elsewhere. The masked-pose-modelling head's output rows are
mapped the same way.

Training then runs in two phases:

1. ``realign`` (``realign_steps`` > 0): masked pose modelling on B's poses,
   training only the projection and the pretraining head while the
   transformer stays frozen;
2. everything unfrozen: ``finetune_frames`` when labels are given (phase
   ``"frames"``), else more masked pose modelling (phase ``"pretrain"``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..data.features import References, compute_features
from ..data.mapping import KeypointMapping, map_keypoints
from ..errors import SkeletonMismatchError
from ..inference.runner import features_of
from ..io.mapping_file import save_mapping
from ..io.poses import Poses
from .build import seed_everything, training_window
from .config import TrainConfig
from .loop import TrainedRun, train_task
from .run import save_result
from .run_folder import check_out_folder
from .tasks import masked_pose_task

__all__ = [
    "MIN_COVERAGE",
    "check_coverage",
    "adapt_model",
    "feature_correspondence",
    "resolve_mapping",
    "transfer",
]

MAPPING_FILE = "keypoint_mapping.csv"
_TRAINABLE_IN_REALIGN = ("behavert.embeddings.projection.", "head.")


def _feature_names(tokenizer, keypoints, individuals) -> list[str]:
    """Feature names the tokenizer would give with other keypoint/animal names."""
    c = tokenizer.config
    dummy = np.zeros((2, len(individuals), len(keypoints), tokenizer.n_space))
    refs = References(nose=((0,),), front=((0,),), back=((0,),), torso=(0,))
    with np.errstate(all="ignore"):
        _, names, _ = compute_features(
            dummy,
            list(keypoints),
            list(individuals),
            refs,
            1.0,
            egocentric=c.egocentric,
            relations=c.relations,
            velocities=c.velocities,
            lag=c.velocity_lag,
        )
    return names


#: a mapping must feed at least this share of the new skeleton's keypoints
MIN_COVERAGE = 0.5


def check_coverage(mapping: KeypointMapping, min_coverage: float = MIN_COVERAGE):
    """Refuse a keypoint mapping that feeds too little of the new skeleton.

    Transferring a mouse model to a 13-keypoint fly skeleton mapped 1 keypoint
    and trained anyway: the "transferred" model then starts from almost
    nothing of the source. Below ``min_coverage`` of the target keypoints this
    raises ``SkeletonMismatchError`` naming what was mapped and the ways out
    (a mapping file, or ``min_coverage=0`` / ``--force-mapping``).
    """
    fed = sorted(set(mapping.mapped.values()), key=mapping.target.index)
    n_target = len(mapping.target)
    if n_target and len(fed) < min_coverage * n_target:
        pairs = ", ".join(f"{s}->{t}" for s, t in mapping.mapped.items()) or "none"
        raise SkeletonMismatchError(
            f"the keypoint mapping feeds {len(fed)} of the {n_target} keypoints "
            f"of the new skeleton ({pairs}); fewer than {min_coverage:.0%} leaves "
            "little of the source model to transfer. Give a mapping file "
            "(--mapping) or force it (--force-mapping)"
        )
    return fed


def resolve_mapping(
    source_tokenizer, target_tokenizer, mapping: Any = None
) -> KeypointMapping:
    """A ``KeypointMapping`` from A's keypoints to B's.

    Parameters
    ----------
    mapping
        None (automatic, :func:`~behavert.data.mapping.map_keypoints`), a
        ``KeypointMapping``, a user map (dict source -> target) or a mapping
        file path.
    """
    source, target = source_tokenizer.keypoints, target_tokenizer.keypoints
    if isinstance(mapping, KeypointMapping):
        if set(mapping.source) != set(source) or set(mapping.target) != set(target):
            raise SkeletonMismatchError(
                f"the keypoint mapping goes from {list(mapping.source)} to "
                f"{list(mapping.target)}, but the model's skeleton is {list(source)} "
                f"and the new poses' skeleton is {list(target)}"
            )
        return mapping
    return map_keypoints(source, target, user_map=mapping)


def feature_correspondence(
    source_tokenizer, target_tokenizer, mapping: KeypointMapping | None = None
) -> list[tuple[int, ...]]:
    """For every feature of B, the features of A it corresponds to.

    Parameters
    ----------
    source_tokenizer, target_tokenizer
        Fitted ``PoseTokenizer`` of skeletons A and B.
    mapping
        A -> B keypoint mapping (default: automatic).

    Returns
    -------
    list of tuple of int
        ``(target feature,)`` entries, each a tuple of source feature indices
        (empty: no counterpart; several: merged keypoints).
    """
    src, tgt = source_tokenizer, target_tokenizer
    mapping = resolve_mapping(src, tgt, mapping)
    for tok in (src, tgt):
        if _feature_names(tok, tok.keypoints, tok.individuals) != tok.feature_names:
            raise SkeletonMismatchError(
                "cannot name this tokenizer's features (another version?)"
            )
    n_src = len(src.individuals)
    mapped = mapping.mapped
    src_kp = [f"<{mapped[k]}>" if k in mapped else f"<a:{k}>" for k in src.keypoints]
    src_ind = [f"<#{i}>" for i in range(n_src)]
    tgt_kp = [f"<{k}>" for k in tgt.keypoints]
    tgt_ind = [f"<#{j % n_src}>" for j in range(len(tgt.individuals))]
    index: dict[str, list[int]] = {}
    for i, name in enumerate(_feature_names(src, src_kp, src_ind)):
        index.setdefault(name, []).append(i)
    return [tuple(index.get(n, ())) for n in _feature_names(tgt, tgt_kp, tgt_ind)]


def _copy_rows(new: torch.Tensor, old: torch.Tensor, corr, dim: int) -> None:
    """``new[j] = mean(old[corr[j]])`` along ``dim`` where ``corr[j]`` is non-empty."""
    for j, idx in enumerate(corr):
        if idx:
            part = old.index_select(dim, torch.tensor(idx)).mean(dim)
            new.select(dim, j).copy_(part)


def adapt_model(
    model: Any,
    source_tokenizer,
    target_tokenizer,
    mapping: Any = None,
    *,
    seed: int = 0,
    window: int | None = None,
    stride: int | None = None,
):
    """A masked-pose-modelling model for skeleton B from a model of skeleton A.

    Parameters
    ----------
    model
        Any BehaVERT model of skeleton A (encoder or head model).
    source_tokenizer, target_tokenizer
        Fitted tokenizers of A and B.
    mapping
        As in :func:`resolve_mapping`.
    seed
        Seeds the fresh columns.
    window, stride
        Written into the new model's configuration (None: ``model``'s).

    Returns
    -------
    model, correspondence
        A ``BehavertForMaskedPoseModeling`` whose encoder equals ``model``'s
        except ``embeddings.projection`` (``(hidden, feature of B)``), and
        :func:`feature_correspondence`'s list. The model is in eval mode.
    """
    from ..model import BehavertConfig, BehavertForMaskedPoseModeling

    corr = feature_correspondence(
        source_tokenizer,
        target_tokenizer,
        resolve_mapping(source_tokenizer, target_tokenizer, mapping),
    )
    data = model.config.to_dict()
    for key in ("architectures", "transformers_version", "model_type"):
        data.pop(key, None)
    data["feature_size"] = len(corr)
    if window is not None:
        data["window"] = int(window)
    if stride is not None:
        data["stride"] = int(stride)
    torch.manual_seed(seed)
    new = BehavertForMaskedPoseModeling(BehavertConfig(**data))
    encoder = getattr(model, "behavert", model)
    old_state = encoder.state_dict()
    state = new.behavert.state_dict()
    with torch.no_grad():
        for key, value in state.items():
            if key == "embeddings.projection.weight":
                _copy_rows(value, old_state[key], corr, dim=1)
            elif key in old_state and old_state[key].shape == value.shape:
                value.copy_(old_state[key])
        new.behavert.load_state_dict(state)
        old_head = getattr(model, "head", None)
        if isinstance(old_head, torch.nn.Sequential) and len(old_head) == len(new.head):
            for layer, old in zip(new.head[:-1], old_head[:-1]):
                if hasattr(layer, "weight") and layer.weight.shape == old.weight.shape:
                    layer.load_state_dict(old.state_dict())
            _copy_rows(new.head[-1].weight, old_head[-1].weight, corr, dim=0)
            _copy_rows(new.head[-1].bias, old_head[-1].bias, corr, dim=0)
    return new.eval(), corr


def _resolve_source(source, tokenizer, out=None, overwrite=False):
    """``(model, tokenizer)`` of a ``TrainedRun`` or of a model and its tokenizer.

    ``out`` is checked here, before any work (``run_folder.check_out_folder``:
    writable, not the source run's folder, no finished run unless
    ``overwrite``, not locked).
    """
    if isinstance(source, (str, bytes)) or hasattr(source, "__fspath__"):
        raise TypeError(
            "source is a path: load the run first, e.g. "
            "TrainedRun(*load_run(resolve_run(path))[:2])"
        )
    if out is not None:
        check_out_folder(out, overwrite=overwrite, init=source)
    if isinstance(source, TrainedRun):
        return source.model, source.tokenizer
    if tokenizer is None:
        raise ValueError("source is a model: pass the tokenizer it was trained with")
    return source, tokenizer


def _realign(model, tokenizer, features, tc, steps, out, *, resume, cancel, overwrite):
    """Phase ``realign``: masked pose modelling of the projection and head only.

    Its checkpoints go to ``<out>/realign/checkpoints``.
    """
    out = Path(out) / "realign" if out is not None else None
    for name, p in model.named_parameters():
        p.requires_grad = name.startswith(_TRAINABLE_IN_REALIGN)
    realign_tc = tc.replace(
        max_steps=steps,
        epochs=None,
        warmup_steps=max(1, steps // 10),
        eval_every=0,
        early_stopping_patience=None,
        freeze_encoder_steps=0,
    )
    task = masked_pose_task("realign", model, tokenizer, features, realign_tc)
    result = yield from train_task(
        task, realign_tc, out=out, resume=resume, cancel=cancel, overwrite=overwrite
    )
    for p in model.parameters():
        p.requires_grad = True
    return result


def transfer(
    source: Any,
    tokenizer: Any = None,
    target_poses_list: Sequence[Poses] = (),
    mapping: Any = None,
    *,
    labels_list: Sequence[Any] | None = None,
    target_tokenizer: Any = None,
    realign_steps: int = 100,
    train_config: TrainConfig | None = None,
    out: str | Path | None = None,
    resume: bool = True,
    cancel: Callable[[], bool] | None = None,
    background: str = "other",
    class_names: Sequence[str] | None = None,
    window: int | None = None,
    stride: int | None = None,
    min_coverage: float = MIN_COVERAGE,
    overwrite: bool = False,
):
    """Transfer a model of skeleton A to the poses of skeleton B (a generator).

    Parameters
    ----------
    source
        A ``TrainedRun`` or a model (then pass ``tokenizer``), trained on
        skeleton A. A saved run is loaded first:
        ``TrainedRun(*load_run(resolve_run(path))[:2])``.
    tokenizer
        A's fitted ``PoseTokenizer`` (taken from the run when None).
    target_poses_list
        Recordings of skeleton B.
    mapping
        A -> B keypoints: None (automatic), a ``KeypointMapping``, a user map
        dict or a mapping file (see :mod:`behavert.data.mapping`).
    labels_list
        Per-recording labels (as in ``finetune_frames``); None: the second
        phase is masked pose modelling.
    target_tokenizer
        B's fitted tokenizer; default fitted on ``target_poses_list`` with A's
        tokenizer options.
    realign_steps
        Steps of the first phase (projection and head only); 0 skips it.
    train_config
        Settings of the second phase (the first uses them with
        ``max_steps=realign_steps``).
    out
        Folder for ``realign/checkpoints``, ``checkpoints``, the final
        ``model/`` and ``keypoint_mapping.csv``.
    resume, cancel, background, class_names, overwrite
        As in ``finetune_frames``; ``out`` must not be the folder of
        ``source`` (``source.out``), lie inside it or contain it.
    window, stride
        Window and stride of the new model (as in ``pretrain``); None: the
        source model's.
    min_coverage
        Least share of B's keypoints an automatic mapping must feed from A
        (default one half; `check_coverage`); 0 forces the transfer. A
        mapping given by the user is used as it is.

    Yields
    ------
    TrainEvent
        Phases ``"realign"`` then ``"frames"`` or ``"pretrain"``.

    Returns
    -------
    TrainedRun
        The transferred model with B's tokenizer; ``metrics`` gain
        ``transfer/mapped_features`` (share of B's features initialised from
        A). A cancelled first phase returns its (partly realigned) run.
    """
    tc = train_config or TrainConfig()
    if not target_poses_list:
        raise ValueError("transfer needs at least one recording of the new skeleton")
    if realign_steps < 0:
        raise ValueError(f"realign_steps must be >= 0, got {realign_steps}")
    seed_everything(tc.seed)
    source_model, source_tok = _resolve_source(source, tokenizer, out, overwrite)
    window, stride = training_window(window, stride, source_model.config)
    if target_tokenizer is None:
        from ..data.tokenizer import PoseTokenizer

        target_tokenizer = PoseTokenizer(source_tok.config).fit(list(target_poses_list))
    automatic = mapping is None
    mapping = resolve_mapping(source_tok, target_tokenizer, mapping)
    if automatic:  # a mapping the user wrote is their decision
        check_coverage(mapping, min_coverage)
    model, corr = adapt_model(
        source_model,
        source_tok,
        target_tokenizer,
        mapping,
        seed=tc.seed,
        window=window,
        stride=stride,
    )
    share = float(np.mean([bool(c) for c in corr])) if corr else 0.0
    out = Path(out) if out is not None else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        save_mapping(mapping, out / MAPPING_FILE)
    features = [features_of(target_tokenizer, p) for p in target_poses_list]
    loop = {"resume": resume, "cancel": cancel, "overwrite": overwrite}
    if realign_steps:
        result = yield from _realign(
            model, target_tokenizer, features, tc, realign_steps, out, **loop
        )
        model = result.model
        if result.cancelled:
            result.metrics["transfer/mapped_features"] = share
            return result
    if labels_list is not None:
        from .finetuning import finetune_frames

        result = yield from finetune_frames(
            target_poses_list,
            labels_list,
            init=TrainedRun(model=model, tokenizer=target_tokenizer),
            tokenizer=target_tokenizer,
            train_config=tc,
            out=out,
            **loop,
            background=background,
            class_names=class_names,
        )
    else:
        task = masked_pose_task("pretrain", model, target_tokenizer, features, tc)
        result = yield from train_task(task, tc, out=out, **loop)
        save_result(result, tc)
    result.metrics["transfer/mapped_features"] = share
    return result
