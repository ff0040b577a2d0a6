"""The one format of every saved model: a folder with ``config.json`` and ``model.safetensors`` (no pickle, no code execution).

``config.json`` is a :class:`Record`, the same schema for a classifier
folder and a training run::

    {"format": 2, "kind": "classifier" | "wavegan" | ..., "config": {...},
     "metrics": {...}, "provenance": {"corpus": ..., "wavecraft": VERSION, ...}}

``config`` is the frozen config dataclass as a dict (a run's is its
:class:`~wavecraft.train.config.TrainConfig`), ``metrics`` what was measured
and ``provenance`` where it came from. Weights are one safetensors file per
folder (a run has one per checkpoint), each tensor named
``NETWORK.PARAMETER`` (``classifier.head.1.weight``,
``generator.net.0.weight``), so a reader builds only the networks it needs.
:func:`read_record` reads every ``config.json`` (format 1 classifier folders
and runs written before formats, format 0, included); :func:`read_tensors` every weights file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import safetensors.torch
import torch
from torch import nn

from wavecraft import __version__
from wavecraft.atomic import atomic_path
from wavecraft.configs import from_dict, to_dict
from wavecraft.errors import ModelFileError, reason
from wavecraft.models.classifier import Classifier, ClassifierConfig

FORMAT_VERSION = 2
WEIGHTS = "model.safetensors"


@dataclass(frozen=True)
class Record:
    """What a model folder's ``config.json`` says.

    Attributes
    ----------
    kind : str
        ``classifier``, or a training run's model kind (``wavegan``, ``specgan``, ``vae``, ``translate``).
    config : dict
        The model's (or run's) config dataclass as a dict.
    metrics : dict
        Measured scores, histories.
    provenance : dict
        The corpus, the split, the wavecraft version that wrote it.
    format : int
        The version of the schema it was written in.
    """

    kind: str
    config: dict
    metrics: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)
    format: int = FORMAT_VERSION


def write_record(folder: Path, record: Record) -> None:
    """Write ``folder/config.json`` (the folder exists; the caller makes it atomic); the version is added to the provenance."""
    payload = {"format": FORMAT_VERSION, "kind": record.kind, "config": record.config, "metrics": record.metrics,
               "provenance": {**record.provenance, "wavecraft": __version__}}
    (folder / "config.json").write_text(json.dumps(payload, indent=2) + "\n")


def read_record(folder: str | os.PathLike) -> Record:
    """The :class:`Record` of a model folder or run.

    Raises
    ------
    ModelFileError
        When the folder or its ``config.json`` is missing or unreadable.
    """
    folder = Path(folder)
    try:
        payload = json.loads((folder / "config.json").read_text())
        return _record(payload)
    except FileNotFoundError as err:
        raise ModelFileError(f"{folder} is not a wavecraft model folder or run (missing {Path(err.filename).name})") from err
    except NotADirectoryError as err:
        raise ModelFileError(f"{folder} is not a wavecraft model folder or run (it is a file)") from err
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise ModelFileError(f"{folder}/config.json is unreadable ({reason(err)})") from err


def _record(payload: dict) -> Record:
    """A record from any version of ``config.json``: format 2; format 1 (classifier folders); a run's before formats."""
    version = payload.get("format")
    if version == FORMAT_VERSION:
        return Record(payload["kind"], payload["config"], payload["metrics"], payload["provenance"])
    if version == 1:
        split = payload.get("split", {})
        return Record(payload["kind"], payload["config"], {**payload.get("metrics", {}), "history": payload.get("history", {})},
                      {"split": split, "corpus": split.get("corpus", "")}, format=1)
    if version is None and "train" in payload:
        return Record(payload["kind"], payload["train"], {}, {"corpus": payload["corpus"]}, format=0)
    raise ValueError(f"format {version!r} is not one this wavecraft reads (it reads 1 and {FORMAT_VERSION})")


def save_weights(path: Path, networks: Mapping[str, nn.Module]) -> None:
    """Every network's weights into one safetensors file, named ``NETWORK.PARAMETER``."""
    tensors = {f"{name}.{k}": v.contiguous() for name, network in networks.items() for k, v in network.state_dict().items()}
    safetensors.torch.save_file(tensors, str(path))


def read_tensors(path: Path, device: str | torch.device = "cpu") -> dict[str, torch.Tensor]:
    """Every tensor of a safetensors file; a missing, empty, truncated or foreign file is a :class:`ModelFileError`."""
    try:
        return safetensors.torch.load_file(str(path), device=str(device))
    except FileNotFoundError as err:
        raise ModelFileError(f"{path} is missing") from err
    except Exception as err:  # safetensors raises its own SafetensorError (no common base) for every damage
        raise ModelFileError(f"{path} is not a readable safetensors file ({reason(err)})") from err


def load_networks(path: Path, networks: Mapping[str, nn.Module], *, device: str | torch.device = "cpu") -> None:
    """Fill each network with the tensors named ``NAME.*`` in the weights file ``path`` (others are left out)."""
    tensors = read_tensors(path, device)
    for name, network in networks.items():
        prefix = f"{name}."
        load_weights(network, {k.removeprefix(prefix): v for k, v in tensors.items() if k.startswith(prefix)}, path)


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


def save_classifier(directory: str | os.PathLike, model: Classifier, metrics: dict | None = None, provenance: dict | None = None,
                    *, force: bool = False) -> Path:
    """Write a classifier folder (``config.json`` and ``model.safetensors``) atomically."""
    with atomic_path(directory, force=force) as tmp:
        tmp.mkdir(parents=True)
        write_record(tmp, Record("classifier", to_dict(model.config), metrics or {}, provenance or {}))
        save_weights(tmp / WEIGHTS, {"classifier": model})
    return Path(directory)


def load_classifier(directory: str | os.PathLike) -> tuple[Classifier, Record]:
    """The classifier of a folder (in eval mode) and its record; only the classifier is built."""
    directory = Path(directory)
    record = read_record(directory)
    if record.kind != "classifier":
        raise ModelFileError(f"{directory} holds a {record.kind} run, not a classifier")
    try:
        config = from_dict(ClassifierConfig, record.config)
    except (TypeError, ValueError) as err:
        raise ModelFileError(f"{directory}/config.json is unreadable ({reason(err)})") from err
    model = Classifier(config)
    if record.format == 1:  # its tensors are named without the network's name
        load_weights(model, read_tensors(directory / WEIGHTS), directory)
    else:
        load_networks(directory / WEIGHTS, {"classifier": model})
    return model.eval(), record
