"""``wavecraft mix | separate | deconvolve``: mix sources and unmix them by ICA; undo an unknown filter by Infomax."""

from __future__ import annotations

import argparse
import json

import numpy as np

from wavecraft import audio
from wavecraft.atomic import atomic_path, check_writable, write_text
from wavecraft.bases.ica import SOLVERS
from wavecraft.cli import options
from wavecraft.cli.commands import summary
from wavecraft.cli.output import format_table
from wavecraft.errors import InvalidParameterError
from wavecraft.metrics import bss_eval
from wavecraft.separation import match_references, mix, separate
from wavecraft.separation.deconvolution import deconvolve, filter_causal, spectral_flatness
from wavecraft.separation.figures import plot_deconvolution
from wavecraft.summary import summary_json


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``mix`` and ``separate``."""
    mixer = commands.add_parser("mix", help=summary("mix"), description=__doc__)
    mixer.add_argument("sources", nargs="+", metavar="SOURCE", help="two or more audio files")
    options.shared(mixer, out="folder for mix_*.wav, source_*.wav, mixing.npy, summary.json", seeds="the mixing matrix", force="replace --out")
    mixer.add_argument("--sr", type=options.rate, default=None, help="resample every source to this rate (default: the first one's)")
    mixer.add_argument("--seconds", type=options.duration, default=None, help="keep at most this much of each source (default: the shortest)")
    mixer.set_defaults(run=run_mix)

    sep = commands.add_parser("separate", help=summary("separate"), description=__doc__)
    sep.add_argument("mixtures", nargs="+", metavar="MIX", help="two or more mixtures of one rate and length")
    options.shared(sep, out="folder for source_*.wav, unmixing.npy, summary.json", seeds="the solver", force="replace --out")
    sep.add_argument("--method", choices=["ica"], default="ica", help="separation method (default ica)")
    sep.add_argument("--solver", choices=SOLVERS, default="orthonormal-l1", help="ICA solver (default orthonormal-l1)")
    sep.add_argument("--sources", type=options.integer(1), default=None, help="sources to recover (default: one per mixture)")
    sep.add_argument("--reference", nargs="+", metavar="SRC", default=None, help="the true sources: evaluate SI-SDR/SIR/SAR")
    sep.set_defaults(run=run_separate)

    dec = commands.add_parser("deconvolve", help=summary("deconvolve"))
    dec.add_argument("input", metavar="IN", help="an audio file (mono mix-down)")
    dec.add_argument("--taps", type=options.integer(2), default=100, help="length T of the learned FIR inverse filter (default 100)")
    options.shared(dec, out="OUT.wav; OUT.json (summary, filter taps) and OUT.png are written beside it", force="overwrite OUT and its sidecars")
    dec.add_argument("--learn-seconds", type=options.duration, default=30.0, help="learn the filter on at most this much of the start (default 30)")
    dec.set_defaults(run=run_deconvolve)


def load_aligned(paths: list[str], sr: int | None = None, *, seconds: float | None = None) -> tuple[np.ndarray, int]:
    """Mono signals at one rate, cut to a common length: shape ``(files, samples)``."""
    first = audio.info(paths[0])
    sr = sr or first.sample_rate
    signals = [audio.load(p, sr=sr, require_nonsilent=True)[0] for p in paths]  # a silent source makes a singular mixture
    length = min(s.size for s in signals)
    if seconds is not None:
        length = min(length, int(round(seconds * sr)))
    if length < 2:
        raise InvalidParameterError(f"the sources have only {length} sample(s) in common")
    return np.stack([s[:length] for s in signals]).astype(np.float64), sr


def load_matched(paths: list[str], what: str) -> tuple[np.ndarray, int]:
    """Mono signals that must already share rate and length: shape ``(files, samples)``."""
    infos = [audio.info(p) for p in paths]
    rates = {i.sample_rate for i in infos}
    if len(rates) > 1:
        raise InvalidParameterError(f"the {what} have different sample rates ({', '.join(str(r) for r in sorted(rates))} Hz); resample them to one")
    signals = [audio.load(p, require_nonsilent=True)[0] for p in paths]
    lengths = {s.size for s in signals}
    if len(lengths) > 1:
        raise InvalidParameterError(f"the {what} have different lengths ({min(lengths)} to {max(lengths)} samples); they must be recorded together")
    return np.stack(signals).astype(np.float64), rates.pop()


def run_mix(args: argparse.Namespace) -> int:
    """Mix sources and write mixtures, aligned sources, the matrix and a summary."""
    if len(args.sources) < 2:
        raise InvalidParameterError("mix needs at least two sources")
    check_writable(args.out, args.force)
    sources, sr = load_aligned(args.sources, args.sr, seconds=args.seconds)
    mixtures, matrix = mix(sources, np.random.default_rng(args.seed))
    n = len(sources)
    with atomic_path(args.out, force=args.force) as tmp:
        tmp.mkdir(parents=True)
        for i in range(n):
            audio.save(tmp / f"mix_{i + 1}.wav", mixtures[i], sr, subtype="FLOAT")
            audio.save(tmp / f"source_{i + 1}.wav", sources[i], sr, subtype="FLOAT")
        np.save(tmp / "mixing.npy", matrix)
        summary = {
            "sources": [str(p) for p in args.sources],
            "sample_rate": sr,
            "samples": int(sources.shape[1]),
            "seed": args.seed,
            "mixing_matrix": matrix.round(6).tolist(),
            "condition_number": round(float(np.linalg.cond(matrix)), 3),
        }
        (tmp / "summary.json").write_text(summary_json(summary))
    print(f"wrote {n} mixtures of {sources.shape[1] / sr:.2f} s at {sr} Hz to {args.out} (condition number {summary['condition_number']:.1f})")
    return 0


def run_separate(args: argparse.Namespace) -> int:
    """Separate mixtures, write the sources, and evaluate them against references when given."""
    mixtures, sr = load_matched(args.mixtures, "mixtures")
    n_sources = args.sources or len(args.mixtures)
    references = None
    if args.reference is not None:
        if len(args.reference) != n_sources:
            raise InvalidParameterError(f"{len(args.reference)} references for {n_sources} sources; give one per source")
        references, ref_sr = load_matched(args.reference, "references")
        if ref_sr != sr or references.shape[1] != mixtures.shape[1]:
            raise InvalidParameterError("the references must have the mixtures' rate and length")
    check_writable(args.out, args.force)
    result = separate(mixtures, n_sources, solver=args.solver, random_state=args.seed)
    summary = {
        "mixtures": [str(p) for p in args.mixtures],
        "method": args.method,
        "solver": args.solver,
        "seed": args.seed,
        "sample_rate": sr,
        "seconds": round(result.seconds, 4),
        "n_iter": result.n_iter,
    }
    if references is not None:
        evaluation = bss_eval(references, result.sources)
        result = match_references(result, evaluation, references)
        summary["evaluation"] = {"measure": "SI-SDR/SI-SIR/SI-SAR (fast_bss_eval), dB", **evaluation.summary()}
        rows = [[f"source_{i + 1}", evaluation.sdr[i], evaluation.sir[i], evaluation.sar[i]] for i in range(n_sources)]
        print(format_table(["source", "si_sdr_db", "si_sir_db", "si_sar_db"], rows))
    with atomic_path(args.out, force=args.force) as tmp:
        tmp.mkdir(parents=True)
        for i, source in enumerate(result.sources):
            audio.save(tmp / f"source_{i + 1}.wav", source, sr, subtype="FLOAT")
        np.save(tmp / "unmixing.npy", result.unmixing)
        (tmp / "summary.json").write_text(summary_json(summary))
    print(f"wrote {n_sources} sources to {args.out} ({args.solver}, {result.seconds:.2f} s)")
    return 0


def run_deconvolve(args: argparse.Namespace) -> int:
    """Learn the inverse filter on the start of the file, filter all of it, write the WAV, a summary and a figure."""
    if args.out.suffix.lower() not in (".wav", ".flac"):
        raise InvalidParameterError(f"--out must be a .wav or .flac file, not {args.out}")
    sidecars = [args.out.with_suffix(".json"), args.out.with_suffix(".png")]
    for path in (args.out, *sidecars):
        check_writable(path, args.force)
    signal, sr = audio.load(args.input, require_nonsilent=True)
    learn = signal[: max(1, int(args.learn_seconds * sr))].astype(np.float64)
    result = deconvolve(learn, args.taps)
    output = filter_causal(signal.astype(np.float64), result.filter)
    output *= min(1.0, 0.99 / max(np.abs(output).max(), 1e-12))
    plot_deconvolution(sidecars[1], result.filter, {"input": signal, "output": output}, sr)
    summary = {
        "input": str(args.input),
        "sample_rate": sr,
        "taps": args.taps,
        "learned_on_seconds": round(learn.size / sr, 3),
        "n_iter": result.n_iter,
        "log_likelihood_per_sample": round(result.log_likelihood, 6),
        "spectral_flatness": {"input": round(spectral_flatness(signal), 4), "output": round(spectral_flatness(output), 4)},
        "filter": [round(float(t), 8) for t in result.filter],
    }
    write_text(sidecars[0], json.dumps(summary, indent=2) + "\n", force=args.force)
    audio.save(args.out, output, sr, force=args.force, subtype="FLOAT")
    flat = summary["spectral_flatness"]
    print(f"wrote {args.out} ({args.taps} taps, {result.n_iter} iterations; spectral flatness {flat['input']:.3f} -> {flat['output']:.3f})")
    return 0
