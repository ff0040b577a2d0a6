"""Loading trained models for use: only the network needed, the same outputs as in training, every config.json version read."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from wavecraft.configs import from_dict, to_dict
from wavecraft.corpus import synthetic_corpus
from wavecraft.errors import InvalidParameterError, ModelFileError
from wavecraft.inference import load_generator, load_translator
from wavecraft.models import ClassifierConfig, build_classifier
from wavecraft.models.checkpoint import FORMAT_VERSION, load_classifier, read_record, save_classifier
from wavecraft.models.wavegan import WaveGANGenerator
from wavecraft.train.config import TrainConfig
from wavecraft.train.loop import Schedule, train_run
from wavecraft.train.presets import PRESET_MODELS, preset
from wavecraft.translate.tasks import TaskConfig


@pytest.mark.parametrize("kind, name", sorted(PRESET_MODELS))
def test_every_preset_survives_json(kind: str, name: str) -> None:
    config = preset(kind, name, seed=5)
    assert TrainConfig.from_json(json.loads(json.dumps(config.to_json()))) == config


def test_from_dict_rebuilds_nested_configs_and_refuses_unknown_fields() -> None:
    config = preset("translate", "small", model_changes={"task": TaskConfig("enhance", snr_db=(3.0, 9.0), noise=("coloured", "music"))})
    again = from_dict(type(config.model), json.loads(json.dumps(to_dict(config.model))))
    assert again == config.model and again.task.snr_db == (3.0, 9.0) and isinstance(again.task.noise, tuple)
    with pytest.raises(TypeError, match="no field wobble"):
        from_dict(ClassifierConfig, {"frontend": "logmel", "labels": ["a", "b"], "wobble": 1})


def test_a_loaded_generator_is_the_trained_one_and_nothing_else(tmp_path: Path) -> None:
    config = preset("wavegan", "small", batch_size=4, critic_steps=1, model_changes={"d": 4})
    trainer = train_run(synthetic_corpus("drum-machine", n_files=4, duration=0.3), tmp_path / "run", config, Schedule(steps=2, checkpoint_every=2))
    model = load_generator(tmp_path / "run")  # best: the only checkpoint
    assert type(model.network) is WaveGANGenerator and not model.network.training
    assert model.checkpoint.name == "best" and model.record.provenance["corpus"] == "synthetic:drum-machine"
    z = model.latent(3, torch.Generator().manual_seed(1))
    np.testing.assert_array_equal(model.synthesize(z), trainer.synthesize(z))  # what the run scored is what loading makes
    with pytest.raises(InvalidParameterError, match="not a translation model"):
        load_translator(tmp_path / "run")
    with pytest.raises(InvalidParameterError, match="no checkpoint step-0000009"):
        load_generator(tmp_path / "run", "step-0000009")


def test_classifier_folders_and_runs_share_one_record(tmp_path: Path) -> None:
    model = build_classifier(ClassifierConfig("logmel", ("a", "b"), channels=8, width=8))
    save_classifier(tmp_path / "clf", model, {"held_out_accuracy": 0.75}, {"corpus": "synthetic:tones"})
    record = read_record(tmp_path / "clf")
    assert (record.kind, record.format, record.metrics, record.provenance["corpus"]) == ("classifier", FORMAT_VERSION, {"held_out_accuracy": 0.75},
                                                                                          "synthetic:tones")
    assert "wavecraft" in record.provenance
    with pytest.raises(ModelFileError, match="not a wavecraft model folder"):
        read_record(tmp_path / "nothing")


def test_folders_written_before_format_2_are_still_read(tmp_path: Path) -> None:
    import safetensors.torch

    model = build_classifier(ClassifierConfig("logmel", ("a", "b"), channels=8, width=8)).eval()
    old = tmp_path / "old-classifier"  # format 1: history and split at the top, weights without the network's name
    old.mkdir()
    safetensors.torch.save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(old / "model.safetensors"))
    payload = {"format": 1, "kind": "classifier", "config": to_dict(model.config), "metrics": {"held_out_accuracy": 0.5},
               "split": {"corpus": "drums", "held_out": 0.25}, "history": {"loss": [1.0]}}
    (old / "config.json").write_text(json.dumps(payload))
    again, record = load_classifier(old)
    x = torch.randn(2, 1, 16_000)
    torch.testing.assert_close(again(x), model(x))
    assert record.metrics["history"] == {"loss": [1.0]} and record.provenance == {"split": payload["split"], "corpus": "drums"}
    run = tmp_path / "old-run"  # a run before formats: its settings under "train"
    run.mkdir()
    config = preset("vae", "small")
    (run / "config.json").write_text(json.dumps({"kind": "vae", "corpus": "speech-en", "train": config.to_json()}))
    record = read_record(run)
    assert record.format == 0 and TrainConfig.from_json(record.config) == config and record.provenance["corpus"] == "speech-en"
    (run / "config.json").write_text(json.dumps({"format": 99, "kind": "vae"}))
    with pytest.raises(ModelFileError, match="format 99"):
        read_record(run)
