"""``wavecraft learn | compare | resynth | hops``: learn a basis, compare bases, resynthesise with one, measure them against the hop."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from wavecraft import audio
from wavecraft.analysis.comparison import compare_bases
from wavecraft.analysis.hops import hop_study
from wavecraft.analysis.ratedistortion import keep_largest
from wavecraft.atomic import check_writable
from wavecraft.bases.basis import Basis
from wavecraft.bases.convolutional import ConvolutionalSparseCoding
from wavecraft.bases.methods import LEARNED, METHODS_HELP, NONLINEAR, Coder, make_coder, make_coders, parse_method
from wavecraft.bases.shorttime import decode, encode
from wavecraft.cli import options
from wavecraft.cli.commands import summary
from wavecraft.cli.output import format_table
from wavecraft.corpus import Corpus, Ensemble, SliceSpec, ensemble, iter_batches, open_corpus
from wavecraft.errors import InvalidParameterError
from wavecraft.metrics import snr
from wavecraft.progress import progress
from wavecraft.report.comparison import write_comparison
from wavecraft.report.hops import write_hops

DEFAULT_METHODS = "dft,dct,dwt:db4,pca,ica,sparse"
DEFAULT_HOP_BASES = "dft,dct,dwt:db4,pca,ica"
#: The longest slice: a PCA of M samples holds an M x M covariance and its eigendecomposition.
MAX_WINDOW = 4096
#: Most samples an ensemble may hold (1 GiB of float32 slices).
MAX_ENSEMBLE_SAMPLES = 1 << 28
#: Length of the held-out excerpt a comparison rebuilds with each basis.
EXCERPT_SECONDS = 4.0
#: Chunks of whole files per batch of convolutional sparse coding, and held-out chunks it is scored on.
CSC_BATCH, CSC_HELD_OUT = 16, 64


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``learn``, ``compare`` and ``resynth``."""
    learn = commands.add_parser("learn", help=summary("learn"), description=__doc__)
    learn.add_argument("corpus", metavar="CORPUS", help="e.g. speech-en, drums, folder:./sounds")
    learn.add_argument("--method", default="ica",
                       help="pca, ica, sparse or rbm (Gaussian-Bernoulli RBM, CD-1), learned on slices of --window samples; "
                            "or csc: K = --components kernels of --window samples, shift-invariant, learned on chunks of whole files (default ica)")
    learn.add_argument("--solver", default=None, help="ICA solver: fastica (default), infomax, orthonormal-l1")
    _add_ensemble_options(learn)
    learn.add_argument("--components", type=options.integer(1), default=None, help="N (default M)")
    learn.add_argument("--alpha", type=options.number(0.0, above=True), default=0.1,
                       help="sparse coding: λ relative to the slices' RMS; csc: λ on chunks of unit RMS (default 0.1)")
    learn.add_argument("--chunk", type=options.integer(2), default=None, help="csc: samples per chunk of a file (default 16 M)")
    learn.add_argument("--chunks", type=options.integer(CSC_BATCH), default=512, help="csc: chunks streamed per pass (default 512)")
    learn.add_argument("--passes", type=options.integer(1), default=10, help="csc: passes over the stream (default 10)")
    options.shared(learn, out="the basis .npz to write", force="overwrite --out")
    learn.set_defaults(run=run_learn)

    compare = commands.add_parser("compare", help=summary("compare"))
    compare.add_argument("corpus", metavar="CORPUS")
    compare.add_argument("--methods", default=DEFAULT_METHODS, help=f"comma-separated: {METHODS_HELP} (default {DEFAULT_METHODS})")
    _add_ensemble_options(compare)
    compare.add_argument("--components", type=options.integer(1), default=None, help="N of the learned bases (default M)")
    compare.add_argument("--keep", type=options.integer(1), default=None, help="coefficients per frame in the audio examples (default M/16)")
    options.shared(compare, out="report folder", force="replace --out")
    compare.set_defaults(run=run_compare)

    resynth = commands.add_parser("resynth", help=summary("resynth"))
    resynth.add_argument("basis", type=Path, metavar="BASIS", help="a basis .npz (from learn or compare)")
    resynth.add_argument("input", metavar="IN")
    resynth.add_argument("output", metavar="OUT")
    resynth.add_argument("--keep", type=options.integer(1), required=True, help="coefficients kept per frame")
    resynth.add_argument("--hop", type=options.integer(1), default=None, help="hop H (default M/2, with sqrt-Hann windows; M uses rectangular)")
    options.shared(resynth, force="overwrite OUT")
    resynth.set_defaults(run=run_resynth)

    hops = commands.add_parser("hops", help=summary("hops"))
    hops.add_argument("corpus", metavar="CORPUS")
    hops.add_argument("--basis", default=DEFAULT_HOP_BASES,
                      help=f"comma-separated method specs ({METHODS_HELP}) or basis .npz files of M = --window (default {DEFAULT_HOP_BASES})")
    _add_ensemble_options(hops)
    hops.add_argument("--hops", type=options.integer(1), nargs="+", default=None, metavar="H", help="hops to measure, each at most M (default M M/2 M/4 M/8)")
    hops.add_argument("--seconds", type=options.number(0.0, 3600.0, above=True), default=30.0,
                      help="held-out audio measured, seconds (default 30)")
    options.shared(hops, out="report folder: index.html, figures/, reconstruction.csv, rate_distortion.csv, summary.json", force="replace --out")
    hops.set_defaults(run=run_hops)


def _add_ensemble_options(parser: argparse.ArgumentParser) -> None:
    """The options that say how slices are drawn."""
    parser.add_argument("--window", type=options.integer(2, MAX_WINDOW), default=128, help="M, samples per slice (default 128)")
    parser.add_argument("--sr", type=options.rate, default=None, help="sample rate of the slices (default: the rate most of the corpus's files have)")
    parser.add_argument("--slices", type=options.integer(10), default=20_000, help="K, slices drawn, 20%% of them held out (default 20000)")
    options.shared(parser, seeds="the draw and of the learners")
    parser.add_argument("--silence-db", type=options.number(maximum=0.0), default=-50.0, help="skip slices quieter than this RMS (dBFS, default -50)")
    parser.add_argument(
        "--gain",
        choices=["none", "slice"],
        default="none",
        help="slice: scale every slice to unit RMS so quiet and loud slices weigh alike (default none)",
    )


def draw(args: argparse.Namespace) -> tuple[Corpus, Ensemble]:
    """Open the corpus and draw the ensemble the options describe."""
    if args.slices * args.window > MAX_ENSEMBLE_SAMPLES:
        raise InvalidParameterError(
            f"--slices {args.slices} of --window {args.window} would take {args.slices * args.window * 4 / 2**30:.1f} GiB; "
            f"draw at most {MAX_ENSEMBLE_SAMPLES // args.window} slices of that length"
        )
    corpus = open_corpus(args.corpus)
    ens = ensemble(corpus, args.slices, SliceSpec(args.window, args.sr, args.silence_db, gain=args.gain, seed=args.seed))
    return corpus, ens


def run_learn(args: argparse.Namespace) -> int:
    """Fit one learned basis and save it."""
    if args.method == "csc":
        return _learn_convolutional(args)
    name, _ = parse_method(args.method)
    if name not in LEARNED:
        raise InvalidParameterError(f"learn takes pca, ica, sparse or rbm; {args.method} is explicit (see `wavecraft compare`)")
    spec = f"ica:{args.solver}" if name == "ica" and args.solver else args.method
    check_writable(args.out, args.force)
    corpus, ens = draw(args)
    coder = make_coder(
        spec, args.window, ens.sample_rate, train=ens.train, n_components=args.components, seed=args.seed, alpha=args.alpha, provenance={"corpus": corpus.name}
    )
    basis = coder.basis
    basis.save(args.out, force=args.force)
    held = coder.encode(ens.held_out)
    k = max(1, basis.M // 16)
    decode = coder.estimator.inverse_transform if name in NONLINEAR else basis.synthesize  # each the inverse of its coder.encode
    sparse_snr, full_snr = snr(ens.held_out, decode(keep_largest(held, basis.A, k))), snr(ens.held_out, decode(held))
    print(f"wrote {args.out}: {spec}, N={basis.N}, M={basis.M}, {ens.sample_rate} Hz, fitted in {coder.fit_seconds:.1f} s; "
          f"held-out SNR {sparse_snr:.1f} dB from the {k} largest of each slice's coefficients ({full_snr:.1f} dB from all {basis.N})")
    return 0


def _learn_convolutional(args: argparse.Namespace) -> int:
    """Learn shift-invariant kernels from a stream of unit-RMS chunks of the corpus's training files; score them on held-out chunks."""
    check_writable(args.out, args.force)
    corpus = open_corpus(args.corpus)
    chunk = args.chunk or 16 * args.window
    if chunk <= args.window:
        raise InvalidParameterError(f"--chunk {chunk} must be longer than a kernel of --window {args.window} samples")
    spec = SliceSpec(chunk, args.sr, args.silence_db, gain="slice", seed=args.seed)
    rate = spec.rate(corpus)
    csc = ConvolutionalSparseCoding(args.components or args.window, args.window, alpha=args.alpha, max_iter=args.passes, random_state=args.seed)
    batches = args.chunks // CSC_BATCH
    csc.fit_batches(lambda: progress(iter_batches(corpus, CSC_BATCH, spec, n_batches=batches), total=batches, desc="learning kernels",
                                     unit="batch", leave=False))
    held = np.concatenate(list(iter_batches(corpus, CSC_HELD_OUT, spec, split="held_out", n_batches=1)))
    codes = csc.transform(held)
    basis = csc.to_basis(rate, {"corpus": corpus.name, "chunk": chunk, "chunks": args.chunks, "passes": args.passes, "seed": args.seed})
    basis.save(args.out, force=args.force)
    per_second = np.count_nonzero(codes) / (held.size / rate)
    print(f"wrote {args.out}: csc, K={csc.n_kernels} kernels of M={args.window}, {rate} Hz, {csc.n_iter_} passes of {args.chunks} chunks "
          f"of {chunk} samples; held-out SNR {snr(held, csc.inverse_transform(codes)):.1f} dB from {per_second:.0f} non-zeros per second "
          f"({per_second / rate:.3f} per sample)")
    return 0


def run_compare(args: argparse.Namespace) -> int:
    """Compare bases and write the report."""
    specs = [s.strip() for s in args.methods.split(",") if s.strip()]
    if not specs:
        raise InvalidParameterError(f"--methods names no method; choose from {METHODS_HELP}")
    for spec in specs:
        parse_method(spec)
    if args.keep is not None and args.keep > args.window:
        raise InvalidParameterError(f"--keep {args.keep} is more coefficients than a frame of --window {args.window} has")
    check_writable(args.out, args.force)
    corpus, ens = draw(args)
    compare_and_report(corpus, ens, specs, args.out, keep=args.keep, components=args.components, force=args.force)
    print(f"wrote {args.out / 'index.html'}")
    return 0


def compare_and_report(
    corpus: Corpus,
    ens: Ensemble,
    specs: list[str],
    out: Path,
    *, keep: int | None = None,
    components: int | None = None,
    force: bool = False,
) -> dict:
    """Learn (or build) the bases, measure them, write the report folder and print the table; return the summary.

    ``keep`` (coefficients per frame in the audio examples) defaults to M/16;
    the table reports SNR at k = 1, ``keep`` and M/4.
    """
    keep = keep or max(1, ens.slice_len // 16)
    keeps = sorted({1, keep, max(1, ens.slice_len // 4)})
    coders = make_coders(specs, ens.slice_len, ens.sample_rate, ens.train, n_components=components, seed=ens.seed)
    held_out = ens.held_out if len(ens.held_out) else ens.train
    comparison = compare_bases(coders, held_out, ens.sample_rate, excerpt=held_out_excerpt(corpus, ens), keep=keep, report_keeps=keeps,
                               gain=ens.gain)
    summary = write_comparison(out, comparison, ens, corpus.name, force=force)
    print(summary_table(summary, keeps))
    return summary


def summary_table(summary: dict, keeps: list[int]) -> str:
    """The printed table of a comparison."""
    columns = ["method", "N", "mean_time_spread_ms", "mean_bandwidth_hz", "median_kurtosis", *[f"snr_k{k}_db" for k in keeps], "snr_1bit_db"]
    return format_table(columns, [[row[c] for c in columns] for row in summary["bases"]])


def held_out_excerpt(corpus: Corpus, ens: Ensemble) -> np.ndarray:
    """The loudest few seconds of the longest held-out file (or training file, when nothing is held out)."""
    names = ens.held_out_files or ens.train_files
    entry = max((e for e in corpus if e.path in set(names)), key=lambda e: e.duration)
    signal, _ = corpus.load(entry, sr=ens.sample_rate)
    length = min(signal.size, int(EXCERPT_SECONDS * ens.sample_rate))
    if signal.size > length:
        energy = np.convolve(signal.astype(np.float64) ** 2, np.ones(length), mode="valid")
        start = int(np.argmax(energy))
        signal = signal[start : start + length]
    return signal - np.float32(ens.mean)


def run_resynth(args: argparse.Namespace) -> int:
    """Keep the K largest coefficients of each frame and rebuild the file."""
    basis = Basis.load(args.basis)
    if not 1 <= args.keep <= basis.N:
        raise InvalidParameterError(f"--keep must be in [1, N={basis.N}]")
    check_writable(args.output, args.force)
    signal, rate = audio.load(args.input, sr=basis.sample_rate or None)
    hop = args.hop or max(1, basis.M // 2)
    window = "rect" if hop == basis.M else "sqrt-hann"
    coefficients = keep_largest(encode(signal, basis, hop=hop, analysis_window=window), basis.A, args.keep)
    rebuilt = decode(coefficients, basis, hop=hop, analysis_window=window, length=signal.size)
    audio.save(args.output, rebuilt, rate, force=args.force, subtype="FLOAT")
    print(f"wrote {args.output}: {args.keep} of {basis.N} coefficients per frame, SNR {snr(signal, rebuilt):.1f} dB")
    return 0


def run_hops(args: argparse.Namespace) -> int:
    """Build or learn the bases, measure them against the hop on held-out audio, write the report."""
    specs = [s.strip() for s in args.basis.split(",") if s.strip()]
    if not specs:
        raise InvalidParameterError(f"--basis names no basis; choose from {METHODS_HELP} or give .npz files")
    files = {spec: _basis_file(spec, args.window) for spec in specs if spec.endswith(".npz")}
    for spec in specs:
        if spec not in files:
            parse_method(spec)
    too_long = [h for h in args.hops or () if h > args.window]
    if too_long:
        raise InvalidParameterError(f"--hops {too_long[0]} is longer than a frame of --window {args.window}: frames would leave gaps")
    check_writable(args.out, args.force)
    corpus, ens = draw(args)
    mismatched = [f"{spec} ({basis.sample_rate} Hz)" for spec, basis in files.items() if basis.sample_rate not in (0, ens.sample_rate)]
    if mismatched:
        raise InvalidParameterError(f"the slices are at {ens.sample_rate} Hz and {', '.join(mismatched)} another rate; pass --sr")
    learned = make_coders([s for s in specs if s not in files], ens.slice_len, ens.sample_rate, ens.train, n_components=None, seed=ens.seed)
    coders = {spec: learned[spec] if spec in learned else Coder(files[spec], files[spec].analyze) for spec in specs}
    study = hop_study(coders, held_out_signals(corpus, ens, args.seconds), ens.sample_rate, hops=args.hops)
    summary = write_hops(args.out, study, corpus.name, specs, force=args.force)
    rows = [[r["method"], r["hop"], r["window"], f"{r['error']:.2e}", f"{r['predicted']:.2e}", f"{r['ripple']:.3f}"] for r in summary["reconstruction"]]
    print(format_table(["method", "hop", "window", "error", "predicted", "ripple"], rows))
    print(format_table(["method", "nonzeros_per_sample", "best_hop", "snr_db"],
                       [[r["method"], r["nonzeros_per_sample"], r["best_hop"], r["snr_db"]] for r in summary["best_hops"]]))
    print(f"wrote {args.out / 'index.html'}")
    return 0


def _basis_file(path: str, window: int) -> Basis:
    """A basis file for a hop study; refused unless its frames are of --window samples."""
    basis = Basis.load(path)
    if basis.M != window:
        raise InvalidParameterError(f"{path} has frames of M = {basis.M} samples, not --window {window}: pass --window {basis.M}")
    return basis


def held_out_signals(corpus: Corpus, ens: Ensemble, seconds: float) -> list[np.ndarray]:
    """Held-out files (training files when nothing is held out) at the ensemble's rate, less its mean, up to ``seconds`` in all."""
    names = set(ens.held_out_files or ens.train_files)
    budget, signals = int(seconds * ens.sample_rate), []
    for entry in (e for e in corpus if e.path in names):
        if budget <= 0:
            break
        signal, _ = corpus.load(entry, sr=ens.sample_rate)
        signals.append(signal[:budget] - np.float32(ens.mean))
        budget -= signals[-1].size
    return signals
