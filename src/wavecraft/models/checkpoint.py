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
import torch
from torch import nn

from wavecraft.atomic import atomic_path
from wavecraft.errors import ModelFileError, reason
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
    except FileNotFoundError as err:
        raise ModelFileError(f"{directory} is not a wavecraft model folder (missing {Path(err.filename).name})") from err
    except NotADirectoryError as err:
        raise ModelFileError(f"{directory} is not a wavecraft model folder (it is a file)") from err
    except (KeyError, TypeError, ValueError, json.JSONDecodeError) as err:
        raise ModelFileError(f"{directory} holds an unreadable model ({err})") from err
    model = model_class(config)
    load_weights(model, read_tensors(directory / "model.safetensors"), directory)
    return model.eval(), config, payload


def read_tensors(path: Path, device: str | torch.device = "cpu") -> dict[str, torch.Tensor]:
    """Every tensor of a safetensors file; a missing, empty, truncated or foreign file is a :class:`ModelFileError`."""
    try:
        return safetensors.torch.load_file(str(path), device=str(device))
    except FileNotFoundError as err:
        raise ModelFileError(f"{path} is missing") from err
    except Exception as err:  # safetensors raises its own SafetensorError (no common base) for every damage
        raise ModelFileError(f"{path} is not a readable safetensors file ({reason(err)})") from err


def load_weights(module: nn.Module, state: dict[str, torch.Tensor], source: Path) -> None:
    """``module.load_state_dict(state)``, or one line saying how the weights in ``source`` do not fit the module."""
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = sorted(k for k in set(expected) & set(state) if expected[k].shape != state[k].shape)
    if missing or unexpected or wrong:
        kinds = ((missing, "missing"), (unexpected, "unexpected"), (wrong, "of another shape"))
        details = [f"{len(names)} {what} (e.g. {names[0]})" for names, what in kinds if names]
        raise ModelFileError(f"the weights in {source} are not those of a {type(module).__name__}: {', '.join(details)}")
    module.load_state_dict(state)
