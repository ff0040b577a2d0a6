"""Drum-loop demixing on loops sequenced from real hydrogen one-shots: NMF vs NMFD, and scikit-learn's NMF.

    .venv/bin/python bench/demix.py [--loops 30] [--sr 22050] [--seed 0]
    .venv/bin/python bench/demix.py --real          # also the labelled real loops (wavecraft corpus fetch loops)
    .venv/bin/python bench/demix.py --real --transcriber RUN   # and a drum transcriber (wavecraft train drum-transcriber)

Each loop takes one kick, one snare and one hi-hat from the same hydrogen kit
(peak-normalised to 0.5), a random 16-step pattern (kicks on the beats,
snares on the backbeat, busy hats) played twice at 100-130 bpm, and keeps
the three stems and onsets as ground truth. Every method gets the same
magnitude spectrogram and the same Wiener-style masks; reported are the
per-stem SI-SDR (fast_bss_eval, stems matched to drums by best SIR), the
onset F-measure at ±50 ms, and the time to factorise; the mean SI-SDR
comes with its standard error over loops (one loop's mean ranges from about
-11 to 26 dB, so ten loops pin the mean only to ±2.5 dB). NMFD runs twice:
from band-shaped templates, and from templates learned from the one-shots
of the drums corpus's other kits (the loop's own kit left out, so the
library has never heard the loop's drums). scikit-learn's NMF
(multiplicative updates, Kullback-Leibler, 200 iterations, its own
initialisation) stands in for what people would otherwise use; wavecraft's
NMF is the same model with the band-shaped initial templates.

``--real`` adds the onset F-measure per drum on real recorded loops of the
``loops`` corpus (Sonic Pi's), at ``--sr`` and at the files' own 44.1 kHz,
against the hand labels of :mod:`wavecraft.corpus.loops`. The components are taken in the
demixer's own order (lowest spectral centroid first; with templates, theirs:
the loop's labelled drums, a ride as the drums corpus's cymbal, and a hi-hat
for a loop with two, learned from the whole corpus), as a user reads them.
``--transcriber RUN`` (a ``wavecraft train drum-transcriber`` run, at its
own rate and the thresholds ``wavecraft listen`` chooses on its held-out
loops) adds NMFD informed by its onsets, scored on the loops of the kits
it never heard beside NMFD and the library on the same loops, and (with
``--real``) its onsets on the real loops, its ``cymbal`` output read as
the amen's ride.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import PurePosixPath

import numpy as np
import sklearn.decomposition

from wavecraft.audio import resample
from wavecraft.bases.stft import istft
from wavecraft.cli.output import format_table
from wavecraft.corpus import open_corpus
from wavecraft.corpus.loops import LIBRARY_LABELS, labelled_loops, library_labels
from wavecraft.inference import load_drum_transcriber
from wavecraft.metrics import bss_eval, onset_f_measure
from wavecraft.models.drumtranscriber import DrumTranscriber, transcribe
from wavecraft.patterns import random_drum_pattern, render_pattern
from wavecraft.separation.demix import Demix, demix, loop_spectra, stft_grid
from wavecraft.separation.nmf import EPS
from wavecraft.separation.templates import corpus_templates
from wavecraft.train.data import training_data
from wavecraft.train.drumtranscriber import choose_thresholds, threshold_sweep, validation_loops

DRUMS = ("kick", "snare", "hihat")
#: The real loops' own rate, at which ``wavecraft demix`` reads them; ``--real`` scores them there and at ``--sr``.
LOOPS_RATE = 44100


def real_loop(corpus, rng: np.random.Generator, sr: int) -> tuple[str, np.ndarray, np.ndarray, list[np.ndarray]]:
    """A two-bar loop from one kit's kick, snare and hi-hat: the kit, mix, stems (3, n), onsets in seconds."""
    by_kit: dict[str, dict[str, list]] = {}
    for entry in corpus:
        by_kit.setdefault(entry.tags.get("kit", ""), {}).setdefault(entry.label, []).append(entry)
    kits = sorted(k for k, labels in by_kit.items() if all(d in labels for d in DRUMS))
    name = kits[rng.integers(len(kits))]
    kit = by_kit[name]
    sounds = []
    for drum in DRUMS:
        entry = kit[drum][rng.integers(len(kit[drum]))]
        sound, _ = corpus.load(entry, sr=sr)
        sounds.append(0.5 * sound[: int(1.5 * sr)] / np.abs(sound).max())
    bpm = float(rng.uniform(100, 130))
    pattern = np.tile(random_drum_pattern(rng), 2)
    mix, stems, onsets = render_pattern(sounds, pattern, bpm, sr)
    return name, mix, stems, [o / sr for o in onsets]


def sklearn_stems(signal: np.ndarray, sr: int) -> tuple[np.ndarray, float]:
    """scikit-learn NMF (KL, multiplicative updates) on the same spectrogram, same masks; stems and fit time."""
    spectra, (n_fft, hop) = loop_spectra(signal, sr), stft_grid(sr)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = sklearn.decomposition.NMF(3, beta_loss="kullback-leibler", solver="mu", max_iter=200, tol=0, init="nndsvda", random_state=0)
        W = model.fit_transform(np.abs(spectra))
    seconds = time.perf_counter() - t0
    power = np.stack([np.outer(W[:, k], model.components_[k]) for k in range(3)]) ** 2
    masks = power / np.maximum(power.sum(axis=0), EPS)
    return np.stack([istft((m * spectra).T, hop, analysis_window="sqrt-hann", length=signal.size, n_fft=n_fft) for m in masks]), seconds


def real_loops(sr: int) -> None:
    """Print the onset F-measure per labelled drum of NMF, NMFD and NMFD from the drums corpus's templates on the labelled real loops."""
    drums = open_corpus("drums")
    rows = []
    for name, signal, onsets in labelled_loops(sr):
        library = corpus_templates(drums, library_labels(list(onsets)), sr)
        for method_name, method, templates in (("nmf", "nmf", None), ("nmfd", "nmfd", None), ("nmfd, drums templates", "nmfd", library)):
            result = demix(signal, sr, n_components=3, method=method, templates=templates)
            rows.append([name, method_name, *scored(onsets, result.onsets)])
    print(f"\nreal loops at {sr} Hz, onset F at ±50 ms per labelled drum (components in centroid order; with templates, the labelled drums' order)")
    print(format_table(["loop", "method", "low", "middle", "high"], rows))


def scored(truth: dict[str, np.ndarray], found: list[np.ndarray]) -> list[str]:
    """``drum F`` of each labelled drum, ``found`` in the same order, padded to three columns."""
    scores = [f"{drum} {onset_f_measure(times, estimate)[0]:.2f}" for (drum, times), estimate in zip(truth.items(), found)]
    return scores + [""] * (3 - len(scores))


def transcriber_run(run: str) -> tuple[DrumTranscriber, dict[str, float], set[str]]:
    """A drum transcriber run's network, each drum's threshold chosen on its held-out loops, and its held-out kits."""
    network, config, record, _ = load_drum_transcriber(run)
    data = training_data(open_corpus(record.provenance["corpus"]), config)
    thresholds, _ = choose_thresholds(threshold_sweep(network, validation_loops(data, config), config.sample_rate))
    return network, thresholds, {PurePosixPath(path).parts[0] for path in (data.held_out.paths if data.held_out is not None else [])}


def transcribed_loops(network: DrumTranscriber, thresholds: dict[str, float], run: str) -> None:
    """Print a drum transcriber's onset F-measure per labelled drum on the labelled real loops, at its rate."""
    rows = []
    for name, signal, onsets in labelled_loops(network.sample_rate):
        found = transcribe(network, signal, thresholds)
        rows.append([name, "drum transcriber", *scored(onsets, [found[LIBRARY_LABELS.get(d, d)] for d in onsets])])
    chosen = ", ".join(f"{drum} {t:g}" for drum, t in thresholds.items())
    print(f"\nreal loops at {network.sample_rate} Hz, onset F at ±50 ms per labelled drum, {run}, thresholds {chosen} (chosen on its held-out loops)")
    print(format_table(["loop", "method", "low", "middle", "high"], rows))


def informed_stems(network: DrumTranscriber, thresholds: dict[str, float], mix: np.ndarray, sr: int) -> Demix:
    """NMFD informed by the onsets the transcriber hears in the loop (its kick, snare and hi-hat)."""
    found = transcribe(network, resample(mix, sr, network.sample_rate), thresholds)
    return demix(mix, sr, n_components=3, onsets=[found[drum] for drum in DRUMS])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loops", type=int, default=30)
    parser.add_argument("--sr", type=int, default=22050)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--real", action="store_true", help="also the onsets of the labelled real loops (loops corpus)")
    parser.add_argument("--transcriber", metavar="RUN", help="also NMFD informed by a drum transcriber run's onsets, on the loops of "
                        "its held-out kits, and (with --real) its onsets on the real loops")
    args = parser.parse_args()
    transcriber = transcriber_run(args.transcriber) if args.transcriber else None
    corpus = open_corpus("drums")
    rng = np.random.default_rng(args.seed)
    # row name -> (method, whether it starts from the other kits' templates)
    methods = {"nmf": ("nmf", False), "nmfd": ("nmfd", False), "nmfd, other kits' templates": ("nmfd", True)}
    results: dict[str, dict[str, list]] = {m: {"sdr": [], "f": [], "seconds": []} for m in (*methods, "scikit-learn NMF")}
    libraries: dict[str, np.ndarray] = {}  # kit -> templates of the other kits, learned once per kit
    informed: dict[str, list] = {"loops": [], "sdr": [], "f": []}  # NMFD informed by the transcriber, on its held-out kits' loops
    for index in range(args.loops):
        kit, mix, stems, onsets = real_loop(corpus, rng, args.sr)
        if kit not in libraries:
            libraries[kit] = corpus_templates(corpus, DRUMS, args.sr, exclude=lambda entry: entry.tags.get("kit") == kit)
        library = libraries[kit]
        for name, (method, from_library) in methods.items():
            t0 = time.perf_counter()
            result = demix(mix, args.sr, n_components=3, method=method, templates=library if from_library else None)
            results[name]["seconds"].append(time.perf_counter() - t0)
            evaluation = bss_eval(stems, result.stems)
            results[name]["sdr"].append(evaluation.sdr)
            results[name]["f"].append([onset_f_measure(onsets[i], result.onsets[evaluation.permutation[i]])[0] for i in range(3)])
        if transcriber is not None and kit in transcriber[2]:
            result = informed_stems(*transcriber[:2], mix, args.sr)
            evaluation = bss_eval(stems, result.stems)
            informed["loops"].append(index)
            informed["sdr"].append(evaluation.sdr)
            informed["f"].append([onset_f_measure(onsets[i], result.onsets[evaluation.permutation[i]])[0] for i in range(3)])
        estimated, seconds = sklearn_stems(mix, args.sr)
        results["scikit-learn NMF"]["seconds"].append(seconds)
        results["scikit-learn NMF"]["sdr"].append(bss_eval(stems, estimated).sdr)
    rows = []
    for method, r in results.items():
        sdr = np.array(r["sdr"])
        f = np.array(r["f"]).mean(axis=0) if r["f"] else [float("nan")] * 3
        per_loop = sdr.mean(axis=1)
        rows.append([method, *sdr.mean(axis=0).round(2).tolist(), float(per_loop.mean()), float(per_loop.std(ddof=1) / np.sqrt(per_loop.size)),
                     int(np.sum(per_loop < 0)), *np.round(f, 3).tolist(), float(np.mean(r["seconds"]))])
    print(f"{args.loops} loops from hydrogen one-shots at {args.sr} Hz, SI-SDR in dB (mean over loops, standard error, loops below 0 dB), onset F at ±50 ms")
    print(format_table(["method", "sdr_kick", "sdr_snare", "sdr_hihat", "sdr_mean", "±", "< 0 dB", "f_kick", "f_snare", "f_hihat", "seconds"], rows))
    library_row = "nmfd, other kits' templates"
    gain = np.array(results[library_row]["sdr"]).mean(axis=1) - np.array(results["nmfd"]["sdr"]).mean(axis=1)
    error = gain.std(ddof=1) / np.sqrt(gain.size)
    print(f"{library_row} - nmfd, paired over loops: {gain.mean():+.2f} ± {error:.2f} dB, better on {np.sum(gain > 0)} of {gain.size}")
    if informed["loops"]:
        same = {name: (np.array(results[name]["sdr"])[informed["loops"]], np.array(results[name]["f"])[informed["loops"]])
                for name in ("nmfd", library_row)} | {"nmfd informed by the transcriber": (np.array(informed["sdr"]), np.array(informed["f"]))}
        rows = [[name, *sdr.mean(axis=0).round(2).tolist(), float(sdr.mean()), float(sdr.mean(axis=1).std(ddof=1) / np.sqrt(len(sdr))),
                 *f.mean(axis=0).round(3).tolist()] for name, (sdr, f) in same.items()]
        print(f"\nthe {len(informed['loops'])} loops of the transcriber's held-out kits ({', '.join(sorted(transcriber[2]))}), SI-SDR in dB, onset F")
        print(format_table(["method", "sdr_kick", "sdr_snare", "sdr_hihat", "sdr_mean", "±", "f_kick", "f_snare", "f_hihat"], rows))
    if args.real:
        for rate in sorted({args.sr, LOOPS_RATE}):
            real_loops(rate)
        if transcriber is not None:
            transcribed_loops(*transcriber[:2], args.transcriber)


if __name__ == "__main__":
    main()
