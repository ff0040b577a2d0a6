"""Inverting features to speech: Griffin-Lim (what SpecGAN and the PCA vocoder use) against a WaveNet vocoder, on held-out files.

    .venv/bin/python bench/vocoders.py RUN [--files 4] [--seconds 2] [--components 10] [--out bench-vocoders]

RUN is a WaveNet trained with ``wavecraft train wavenet speech-en --condition mel``.
Its held-out files (the run's own split) are cut to ``--seconds`` and
rebuilt five ways:

- ``griffin-lim, STFT magnitude``: 64 iterations of fast Griffin-Lim from
  the exact magnitude of the 20 ms / 10 ms Hamming STFT (SpecGAN's
  inversion, given a perfect spectrogram);
- ``griffin-lim, mel envelope``: the PCA vocoder's synthesis from the full
  dB mel envelope (every component);
- ``griffin-lim, N components``: the PCA vocoder as it is used (a PCA
  fitted on the run's training files);
- ``wavenet, mel envelope`` and ``wavenet, N components``: the WaveNet
  drawing the audio for the same two envelopes (temperature 1, seed 0).

Printed: LSD, STOI and narrow-band PESQ against the original, averaged over
the files; written: the WAVs and an HTML page with players.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from wavecraft import audio
from wavecraft.bases.stft import griffin_lim, stft
from wavecraft.cli.output import format_table
from wavecraft.corpus import open_corpus, split_corpus
from wavecraft.inference import load_generator
from wavecraft.metrics import log_spectral_distance, pesq, stoi
from wavecraft.report.html import Report
from wavecraft.vocoder import GRIFFIN_LIM_ITERATIONS, fit_vocoder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--components", type=int, default=10)
    parser.add_argument("--out", type=Path, default=Path("bench-vocoders"))
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = load_generator(args.run)
    config = model.config
    rate, mels, length = config.sample_rate, config.model.mels, round(args.seconds * config.sample_rate)
    corpus = open_corpus(model.record.provenance["corpus"])
    train, held = split_corpus(corpus, config.held_out, config.seed)
    vocoder = fit_vocoder([train.load(e, sr=rate)[0].astype(np.float64) for e in train], rate, n_mels=mels, n_components=args.components)
    longest = sorted(held, key=lambda e: -e.duration)[: args.files]
    originals = np.stack([_cut(held.load(e, sr=rate)[0], length) for e in longest])
    envelopes = np.stack([vocoder.envelope(x) for x in originals])
    coded = np.stack([vocoder.decode_envelope(vocoder.encode(x)) for x in originals])
    frame_length, hop, n_fft = vocoder.frame_length, vocoder.hop, vocoder.n_fft
    rebuilt = {
        "griffin-lim, STFT magnitude": np.stack([
            griffin_lim(np.abs(stft(x, n_fft, hop, analysis_window="hamming", frame_length=frame_length)), hop, length, window="hamming",
                        n_fft=n_fft, frame_length=frame_length, n_iter=GRIFFIN_LIM_ITERATIONS) for x in originals]),
        "griffin-lim, mel envelope": np.stack([vocoder.synthesize(vocoder.encode(x, mels), length) for x in originals]),
        f"griffin-lim, {args.components} components": np.stack([vocoder.synthesize(vocoder.encode(x), length) for x in originals]),
    }
    for name, features in (("wavenet, mel envelope", envelopes), (f"wavenet, {args.components} components", coded)):
        frames = torch.from_numpy(features.transpose(0, 2, 1)).float()
        rebuilt[name] = model.vocode(frames, length, torch.Generator().manual_seed(0))
    rows, clips = [], [("original", "audio/original-0.wav")]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "audio").mkdir(exist_ok=True)
    for i, x in enumerate(originals):
        audio.save(args.out / "audio" / f"original-{i}.wav", x, rate, force=True)
    for name, made in rebuilt.items():
        scores = [(log_spectral_distance(x, y, rate), stoi(x, y, rate), pesq(x, y, rate)) for x, y in zip(originals, made)]
        rows.append([name, *np.mean(scores, axis=0).round(3)])
        slug = name.replace(", ", "-").replace(" ", "-")
        for i, y in enumerate(made):
            audio.save(args.out / "audio" / f"{slug}-{i}.wav", np.clip(y, -1, 1), rate, force=True)
        clips.append((name, f"audio/{slug}-0.wav"))
    headers = ["inversion", "LSD", "STOI", "PESQ (nb)"]
    print(f"{len(originals)} held-out files of {corpus.name}, {args.seconds:g} s each, at {rate} Hz; WaveNet {args.run} ({model.checkpoint.name})")
    print(format_table(headers, rows))
    page = Report(f"Griffin-Lim against a WaveNet vocoder, held-out {corpus.name}")
    page.paragraph(f"{len(originals)} held-out files, {args.seconds:g} s each; WaveNet {args.run} at {model.checkpoint.name}.")
    page.table(headers, rows)
    page.players(clips)
    page.save(args.out / "index.html", force=True)
    print(f"wrote {args.out / 'index.html'}")


def _cut(signal: np.ndarray, length: int) -> np.ndarray:
    """The first ``length`` samples (zero-padded), float64."""
    out = np.zeros(length)
    out[: min(length, signal.size)] = signal[:length]
    return out


if __name__ == "__main__":
    main()
