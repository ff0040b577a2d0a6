"""Raw-audio classifiers: front ends, training on labelled synthetic sounds, checkpoints, and the commands."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from wavecraft.bases import dft_basis
from wavecraft.cli import main
from wavecraft.corpus import synthetic_corpus
from wavecraft.errors import InvalidParameterError, WavecraftError
from wavecraft.models import FRONTENDS, ClassifierConfig, build_classifier, load_classifier, save_classifier
from wavecraft.models.frontends import initial_kernels, make_frontend
from wavecraft.train.classifier import clip_dataset, evaluate, train_classifier

SR = 16_000


@pytest.fixture(scope="module")
def tones():
    return synthetic_corpus("tones", n_files=48, duration=1.0, sample_rate=SR)


@pytest.fixture(scope="module")
def data(tones):
    return clip_dataset(tones, SR, 1.0)


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_every_front_end_gives_a_log_energy_map(frontend: str, data) -> None:
    train, _ = data
    model = build_classifier(ClassifierConfig(frontend, train.names), train.clips)
    features = model.frontend(torch.as_tensor(train.clips[:2])[:, None, :])
    assert features.shape[:2] == (2, 64) and 120 <= features.shape[2] <= 130 and torch.isfinite(features).all()
    assert model(torch.as_tensor(train.clips[:3])[:, None, :]).shape == (3, 3)


def test_initial_kernels(data) -> None:
    train, _ = data
    dft = initial_kernels("dft", SR, 64, 0)
    rows = dft_basis(256).W
    assert all(np.any(np.all(np.isclose(rows, k), axis=1)) for k in dft)  # every kernel is a DFT row
    np.testing.assert_allclose(dft @ dft.T, np.eye(64), atol=1e-10)  # distinct rows of an orthonormal basis
    ica = initial_kernels("ica", SR, 16, 0, training_audio=train.clips)
    np.testing.assert_allclose(np.linalg.norm(ica, axis=1), 1.0)
    with pytest.raises(InvalidParameterError):
        initial_kernels("ica", SR, 16, 0)


def test_sinc_filters_pass_their_band_and_stop_elsewhere() -> None:
    sinc = make_frontend("sinc", SR, 32)
    kernels = sinc.kernels().detach().numpy()
    response = np.abs(np.fft.rfft(kernels, 8192, axis=1))
    freqs = np.fft.rfftfreq(8192, 1 / SR)
    low = sinc.min_hz + 1e3 * sinc.low_khz.abs().detach().numpy()
    high = low + sinc.min_hz + 1e3 * sinc.band_khz.abs().detach().numpy()
    for k in range(16, 32):  # the wider, higher bands (low ones are narrower than the kernel resolves)
        centre = np.argmin(np.abs(freqs - (low[k] + high[k]) / 2))
        assert 0.8 < response[k, centre] < 1.2
        far = (freqs < low[k] - 500) | (freqs > high[k] + 500)
        assert response[k, far].max() < 0.05


def test_training_learns_timbres_kept_apart_by_file(data) -> None:
    train, test = data
    assert set(train.files).isdisjoint(test.files) and len(test) >= 10
    model = build_classifier(ClassifierConfig("logmel", train.names, seed=0))
    before, _ = evaluate(model, test)
    history = train_classifier(model, train, epochs=15)
    after, confusion = evaluate(model, test)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert after >= 0.9 and after > before, (before, after)
    assert confusion.sum() == len(test)


def test_checkpoint_round_trip(data, tmp_path: Path) -> None:
    train, _ = data
    model = build_classifier(ClassifierConfig("conv-ica", train.names, seed=1), train.clips).eval()
    save_classifier(tmp_path / "m", model, {"held_out_accuracy": 0.5}, {"corpus": "synthetic:tones"})
    again, record = load_classifier(tmp_path / "m")
    x = torch.as_tensor(train.clips[:4])[:, None, :]
    torch.testing.assert_close(again(x), model(x))
    assert again.config == model.config and record.metrics["held_out_accuracy"] == 0.5 and record.provenance["corpus"] == "synthetic:tones"
    with pytest.raises(WavecraftError):
        load_classifier(tmp_path / "missing")
    (tmp_path / "m" / "config.json").write_text("{not json")
    with pytest.raises(WavecraftError):
        load_classifier(tmp_path / "m")


@pytest.mark.slow  # a training and a probe of every layer, with figures
def test_classifier_and_probe_commands(tones, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "clf"
    assert main(["classifier", "train", "synthetic:tones", "--frontend", "conv-dft", "--epochs", "8", "--seconds", "0.5", "--out", str(out)]) == 0
    payload = json.loads((out / "config.json").read_text())
    assert payload["kind"] == "classifier" and payload["config"]["frontend"] == "conv-dft"
    assert 0.0 <= payload["metrics"]["held_out_accuracy"] <= 1.0 and len(payload["metrics"]["history"]["loss"]) == 8
    held_out = payload["metrics"]["history"]["held_out_accuracy"]  # scored after every epoch, beside the training curve
    assert len(held_out) == 8 and held_out[-1] == pytest.approx(payload["metrics"]["held_out_accuracy"], abs=1e-4)
    assert (out / "training.png").is_file()
    capsys.readouterr()
    assert main(["classifier", "eval", str(out), "synthetic:tones"]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed["accuracy"] == payload["metrics"]["held_out_accuracy"]
    probed = tmp_path / "probe"
    assert main(["probe", str(out), "--out", str(probed)]) == 0
    summary = json.loads((probed / "summary.json").read_text())
    first = summary["layers"][0]
    assert first["name"] == "frontend.conv" and first["linear"] and first["stride"] == 128 and first["channels"] == 64
    assert summary["layers"][-1]["response"] == "full-scale"  # after the log-energy: no first-order response at silence
    assert (probed / "tiling.png").is_file() and (probed / "responses-frontend-conv.png").is_file()
    assert main(["classifier", "train", "synthetic:tones", "--out", str(out)]) == 2  # exists
    assert main(["probe", str(tmp_path / "nothing"), "--out", str(tmp_path / "p2")]) == 2


def test_digit_speakers_never_straddle_the_split(tmp_path: Path) -> None:
    from wavecraft.corpus.corpus import Corpus
    from wavecraft.corpus.digits import speaker_labeller
    from wavecraft.corpus.manifest import refresh

    from conftest import tone, write_wav

    for s in range(8):
        for digit in range(3):
            write_wav(tmp_path / "tree" / f"espeak-v{s}" / f"{digit}.wav", tone(200.0 + 100 * digit + 10 * s, SR, 0.3), SR)
    corpus = Corpus(refresh("digits-test", tmp_path / "tree", tmp_path / "manifest.json", speaker_labeller))
    assert {e.label for e in corpus} == {"0", "1", "2"} and all(e.tags["speaker"].startswith("espeak-v") for e in corpus)
    train, test = clip_dataset(corpus, SR, 0.3, held_out=0.25)
    speakers = [{f.split("/")[0] for f in side.files} for side in (train, test)]
    assert speakers[0].isdisjoint(speakers[1]) and len(speakers[1]) == 2
    assert train.names == ("0", "1", "2") and train.clips.shape[1] == int(0.3 * SR)
