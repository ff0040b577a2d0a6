"""Mel banks, Griffin-Lim and the PCA vocoder: known answers on synthetic harmonic sounds, and the commands."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from wavecraft.bases.mel import hz_to_mel, mel_filterbank, mel_to_hz
from wavecraft.bases.stft import griffin_lim, istft, stft
from wavecraft.cli import main
from wavecraft.corpus import split_by_file, synthetic_corpus
from wavecraft.errors import InvalidParameterError, WavecraftError
from wavecraft.vocoder import PCAVocoder, congruence, evaluate, fit_vocoder

SR = 8000


def test_mel_scale_and_bank() -> None:
    assert hz_to_mel(1000.0) == pytest.approx(1000.0, rel=1e-3)
    np.testing.assert_allclose(mel_to_hz(hz_to_mel(np.array([0.0, 440.0, 3999.0]))), [0.0, 440.0, 3999.0])
    bank = mel_filterbank(SR, 256, 24)
    freqs = np.fft.rfftfreq(256, 1 / SR)
    centres = freqs[np.argmax(bank, axis=1)]
    assert bank.shape == (24, 129) and np.all(np.diff(centres) > 0) and bank.max() <= 1.0
    true_centres = mel_to_hz(np.linspace(0.0, hz_to_mel(SR / 2), 26))[1:-1]
    assert np.all(np.abs(centres - true_centres) <= SR / 256)
    inside = (freqs >= true_centres[0]) & (freqs <= true_centres[-1])
    np.testing.assert_allclose(bank.sum(axis=0)[inside], 1.0, atol=1e-9)  # neighbours cross at half height
    with pytest.raises(InvalidParameterError):
        mel_filterbank(SR, 256, 10, fmax=5000)


def test_zero_padded_stft_inverts_and_griffin_lim_converges() -> None:
    t = np.arange(SR) / SR
    x = np.sin(2 * np.pi * 300 * t * (1 + t)) * np.exp(-t)
    spectra = stft(x, 256, 80, analysis_window="hamming", frame_length=160)
    assert spectra.shape[1] == 129
    np.testing.assert_allclose(istft(spectra, 80, analysis_window="hamming", length=x.size, n_fft=256, frame_length=160), x, atol=1e-12)
    errors = {}
    for momentum in (0.0, 0.99):
        y = griffin_lim(np.abs(spectra), 80, x.size, window="hamming", n_fft=256, frame_length=160, n_iter=50, momentum=momentum)
        rebuilt = np.abs(stft(y, 256, 80, analysis_window="hamming", frame_length=160))
        errors[momentum] = np.linalg.norm(rebuilt - np.abs(spectra)) / np.linalg.norm(spectra)
    assert errors[0.99] < 0.06 and errors[0.99] < errors[0.0], errors  # the fast variant does better in the same iterations


@pytest.fixture(scope="module")
def tones():
    return synthetic_corpus("tones", n_files=20, duration=2.0, sample_rate=SR)


@pytest.fixture(scope="module")
def fitted(tones):
    train, held = split_by_file(tones, 0.2, 0)
    vocoder = fit_vocoder([tones.load(e)[0].astype(np.float64) for e in train], SR, n_mels=24, n_components=6)
    return vocoder, [tones.load(e)[0].astype(np.float64) for e in held[:2]]


@pytest.mark.slow  # 10 s of vocoding: make test-all runs it
def test_reconstruction_improves_with_components(fitted) -> None:
    vocoder, held = fitted
    assert np.all(np.diff(vocoder.explained_variance_ratio) <= 1e-12)
    curves = evaluate(vocoder, held, 12)
    assert np.all(np.diff(curves["envelope_db"]) < 0), curves["envelope_db"]  # every component helps the envelope
    assert curves["lsd"][-1] < curves["lsd"][0] - 0.05 and curves["stoi"][-1] > curves["stoi"][0]
    full = evaluate(vocoder, held, 24)["envelope_db"][-1]
    assert full < 1e-6  # all directions: the envelope comes back exactly


def test_save_load_and_congruence(fitted, tmp_path: Path) -> None:
    vocoder, held = fitted
    path = vocoder.save(tmp_path / "v.npz")
    again = PCAVocoder.load(path)
    np.testing.assert_array_equal(again.components, vocoder.components)
    assert again.n_components == 6 and again.provenance == vocoder.provenance
    np.testing.assert_allclose(congruence(vocoder, again), 1.0)
    np.testing.assert_allclose(again.run(held[0], 3), vocoder.run(held[0], 3))
    with pytest.raises(InvalidParameterError):
        vocoder.encode(held[0], 25)
    (tmp_path / "bad.npz").write_bytes(b"not numpy")
    with pytest.raises(WavecraftError):
        PCAVocoder.load(tmp_path / "bad.npz")


def test_vocoder_commands(tones, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    model = tmp_path / "v.npz"
    assert main(["vocoder", "train", "synthetic:tones", "--components", "4", "--mels", "20", "--out", str(model)]) == 0
    assert "components explain" in capsys.readouterr().out
    entry = next(iter(tones))
    out = tmp_path / "out.wav"
    assert main(["vocoder", "run", str(model), str(tones.root / entry.path), str(out)]) == 0
    import soundfile as sf

    vocoded, sr = sf.read(out)
    assert sr == SR and vocoded.size == int(entry.duration * SR) and np.abs(vocoded).max() > 0.01
    report = tmp_path / "report"
    args = ["vocoder", "evaluate", str(model), "synthetic:tones", "--out", str(report), "--max-components", "4", "--files", "1", "--compare", str(model)]
    assert main(args) == 0
    summary = json.loads((report / "summary.json").read_text())
    assert summary["components"] == [1, 2, 3, 4] and summary["congruence_first_four"]["abs_cosine"] == [1.0] * 4
    assert (report / "curves.png").is_file() and "<audio" in (report / "index.html").read_text()
    assert main(args) == 2  # exists
    assert main(["vocoder", "run", str(tmp_path / "missing.npz"), str(tones.root / entry.path), str(tmp_path / "x.wav")]) == 2
