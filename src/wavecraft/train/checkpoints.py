"""A training run on disk: its ``config.json`` and the checkpoints that resume it bit-exactly.

A run folder holds ``config.json`` (a :class:`~wavecraft.models.checkpoint.Record`
whose config is the run's :class:`~wavecraft.train.config.TrainConfig`) and
``checkpoints/step-NNNNNNN/`` folders, each written atomically with
``model.safetensors`` (every network's weights, named ``NETWORK.PARAMETER``),
``optimizers.safetensors`` (the Adam states, flattened) and ``state.json``
(step, history so far, best metric, and every rank's torch and numpy random
states), and, when the run averages its weights (``TrainConfig.average``),
``trained.safetensors`` (the trained weights, named ``OPTIMISER.PARAMETER``;
``model.safetensors`` then holds their averages), so a run killed at any
point continues from its last checkpoint exactly as if it had never stopped.
``checkpoints/best/`` is a copy of the checkpoint with the lowest metric,
with ``best.json``.
"""

from __future__ import annotations

import base64
import json
import shutil
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import safetensors
import safetensors.torch
import torch
from torch import nn

from wavecraft.atomic import atomic_path
from wavecraft.errors import InvalidParameterError, ModelFileError, reason
from wavecraft.models.checkpoint import WEIGHTS, Record, load_networks, read_record, read_tensors, save_weights, write_record
from wavecraft.train.config import TrainConfig

OPTIMIZERS = "optimizers.safetensors"
TRAINED = "trained.safetensors"


def write_run_config(run: Path, config: TrainConfig, corpus: str) -> None:
    """The run's ``config.json``: its settings and the corpus it trains on."""
    write_record(run, Record(config.kind, config.to_json(), provenance={"corpus": corpus}))


def read_run_config(run: Path) -> tuple[TrainConfig, Record]:
    """The training config of a run folder and its whole record.

    Raises
    ------
    InvalidParameterError
        When ``run`` holds no ``config.json``.
    ModelFileError
        When it is unreadable, or a classifier's.
    """
    if not (run / "config.json").is_file():
        raise InvalidParameterError(f"{run} is not a training run (no config.json)")
    record = read_record(run)
    try:
        return TrainConfig.from_json(record.config), record
    except (KeyError, TypeError, ValueError) as err:
        raise ModelFileError(f"{run}/config.json is not a training run's ({reason(err)})") from err


def write_checkpoint(folder: Path, networks: Mapping[str, nn.Module], optimizers: Mapping[str, torch.optim.Optimizer], state: dict,
                     trained: Mapping[str, dict[str, torch.Tensor]] | None = None) -> None:
    """Write one checkpoint folder atomically: weights, optimiser states, ``state`` (JSON) with their layout, and the ``trained``
    weights by optimiser name where ``networks`` hold averages."""
    with atomic_path(folder, force=True) as tmp:
        tmp.mkdir(parents=True)
        save_weights(tmp / WEIGHTS, networks)
        if trained:
            safetensors.torch.save_file({f"{name}.{k}": v.contiguous() for name, weights in trained.items() for k, v in weights.items()},
                                        str(tmp / TRAINED))
        tensors, layout = {}, {}
        for name, optimizer in optimizers.items():
            saved = optimizer.state_dict()
            layout[name] = {"param_groups": saved["param_groups"], "state": {}}
            for index, slots in saved["state"].items():
                layout[name]["state"][str(index)] = sorted(slots)
                for slot, value in slots.items():
                    tensors[f"{name}.{index}.{slot}"] = torch.as_tensor(value).contiguous()
        safetensors.torch.save_file(tensors, str(tmp / OPTIMIZERS))
        (tmp / "state.json").write_text(json.dumps({**state, "optimizers": layout}))


def read_checkpoint(folder: Path, networks: Mapping[str, nn.Module], optimizers: Mapping[str, torch.optim.Optimizer],
                    device: torch.device) -> dict:
    """Load a checkpoint's weights and optimiser states into ``networks`` and ``optimizers``; return its ``state.json``."""
    load_networks(folder / WEIGHTS, networks, device=device)
    tensors = read_tensors(folder / OPTIMIZERS, device)
    try:
        state = json.loads((folder / "state.json").read_text())
    except (OSError, ValueError) as err:
        raise ModelFileError(f"cannot resume from {folder}: {err}") from err
    for name, optimizer in optimizers.items():
        layout = state["optimizers"][name]
        optimizer.load_state_dict({
            "param_groups": layout["param_groups"],
            "state": {int(i): {slot: tensors[f"{name}.{i}.{slot}"] for slot in slots} for i, slots in layout["state"].items()},
        })
    return state


def drop_old(run: Path, keep: int) -> None:
    """Remove all but the newest ``keep`` ``step-*`` checkpoints."""
    for old in sorted((run / "checkpoints").glob("step-*"))[:-keep]:
        shutil.rmtree(old)


def keep_best(run: Path, folder: Path, best: dict) -> None:
    """Copy checkpoint ``folder`` to ``checkpoints/best`` with ``best.json``, atomically."""
    with atomic_path(run / "checkpoints" / "best", force=True) as tmp:
        shutil.copytree(folder, tmp)
        (tmp / "best.json").write_text(json.dumps(best) + "\n")


def random_state(rng: np.random.Generator, device: torch.device) -> dict:
    """torch's (CPU and CUDA) and a numpy generator's random states, JSON-able."""
    encode = lambda t: base64.b64encode(t.numpy().tobytes()).decode()  # noqa: E731
    state = {"torch": encode(torch.get_rng_state()), "numpy": rng.bit_generator.state}
    if device.type == "cuda":
        state["cuda"] = encode(torch.cuda.get_rng_state(device))
    return state


def set_random_state(state: dict, rng: np.random.Generator, device: torch.device) -> None:
    """Restore what :func:`random_state` recorded."""
    decode = lambda s: torch.from_numpy(np.frombuffer(base64.b64decode(s), np.uint8).copy())  # noqa: E731
    torch.set_rng_state(decode(state["torch"]))
    if "cuda" in state:
        torch.cuda.set_rng_state(decode(state["cuda"]), device)
    rng.bit_generator.state = state["numpy"]


def find_checkpoint(run: Path, name: str | None = None) -> Path:
    """Checkpoint ``name`` of a run (``step-NNNNNNN``, ``best``), or its latest readable one when ``name`` is None."""
    checkpoint = run / "checkpoints" / name if name else latest_checkpoint(run)
    if checkpoint is None or not checkpoint.is_dir():
        raise InvalidParameterError(f"{run} has no checkpoint {name or 'yet'}")
    return checkpoint


def latest_checkpoint(run: Path) -> Path | None:
    """The newest readable ``checkpoints/step-*`` folder of a run, or None when it has none.

    A newer checkpoint that is damaged (a kill while it was written, a
    truncated copy) is passed over with one warning, so a run resumes, or
    generates, from the newest one that is whole.

    Raises
    ------
    ModelFileError
        When the run has checkpoints and none of them is readable.
    """
    found = sorted((run / "checkpoints").glob("step-*"), reverse=True)
    skipped = []
    for folder in found:
        problem = checkpoint_problem(folder)
        if problem is None:
            if skipped:
                warnings.warn(f"{run}: {'; '.join(skipped)}; using {folder.name}", stacklevel=2)
            return folder
        skipped.append(f"{folder.name} is damaged ({problem})")
    if found:
        raise ModelFileError(f"{run} has no readable checkpoint: {'; '.join(skipped)}")
    return None


def checkpoint_problem(folder: Path) -> str | None:
    """What makes a checkpoint folder unreadable (its weights, optimiser states, trained weights or state.json), or None when it is whole."""
    for name in (WEIGHTS, OPTIMIZERS) + ((TRAINED,) if (folder / TRAINED).exists() else ()):
        try:
            with safetensors.safe_open(str(folder / name), "pt"):
                pass
        except Exception as err:  # safetensors' own error has no common base
            return f"{name}: {reason(err)}"
    try:
        json.loads((folder / "state.json").read_text())
    except (OSError, ValueError) as err:
        return f"state.json: {err}"
    return None


def never_checkpointed(run: Path) -> bool:
    """Whether ``run`` is a run folder whose training stopped before its first checkpoint (not a run yet: a retry may replace it)."""
    return (run / "config.json").is_file() and not any((run / "checkpoints").glob("step-*"))
