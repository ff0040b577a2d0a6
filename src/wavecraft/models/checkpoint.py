"""Saving and loading models: a folder with ``config.json`` and ``model.safetensors`` (no pickle, no code execution).

``config.json`` holds the model's kind, its frozen config dataclass as a
dict, and any JSON metrics; the weights are a safetensors file. Loading
rebuilds the module from the config and fills in the weights.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import safetensors.torch
from torch import nn

from wavecraft.atomic import atomic_path
from wavecraft.errors import WavecraftError
from wavecraft.models.classifier import Classifier, ClassifierConfig

#: kind -> (config class, model class)
MODELS: dict[str, tuple[type, type]] = {"classifier": (ClassifierConfig, Classifier)}
FORMAT_VERSION = 1


def save_model(directory: str | os.PathLike, kind: str, model: nn.Module, config, extra: dict | None = None, force: bool = False) -> Path:
    """Write ``config.json`` (kind, config, ``extra``) and ``model.safetensors`` into a new folder, atomically."""
    payload = {"format": FORMAT_VERSION, "kind": kind, "config": dataclasses.asdict(config), **(extra or {})}
    with atomic_path(directory, force=force) as tmp:
        tmp.mkdir(parents=True)
        (tmp / "config.json").write_text(json.dumps(payload, indent=2) + "\n")
        safetensors.torch.save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(tmp / "model.safetensors"))
    return Path(directory)


def load_model(directory: str | os.PathLike) -> tuple[nn.Module, object, dict]:
    """The model (in eval mode), its config and the whole ``config.json`` payload."""
    directory = Path(directory)
    try:
        payload = json.loads((directory / "config.json").read_text())
        config_class, model_class = MODELS[payload["kind"]]
        config = config_class(**payload["config"])
        state = safetensors.torch.load_file(str(directory / "model.safetensors"))
    except FileNotFoundError as err:
        raise WavecraftError(f"{directory} is not a wavecraft model folder (missing {Path(err.filename).name})") from err
    except (KeyError, TypeError, ValueError, json.JSONDecodeError) as err:
        raise WavecraftError(f"{directory} holds an unreadable model ({err})") from err
    model = model_class(config)
    model.load_state_dict(state)
    return model.eval(), config, payload
