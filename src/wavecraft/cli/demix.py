"""``wavecraft demix | reprogram``: split a drum loop into its drums (NMF / NMFD), and play them in a new pattern."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np

from wavecraft import audio
from wavecraft.atomic import atomic_path, check_writable
from wavecraft.cli import options
from wavecraft.cli.commands import summary
from wavecraft.cli.output import format_table
from wavecraft.corpus import open_corpus
from wavecraft.errors import InvalidParameterError
from wavecraft.inference import load_drum_transcriber
from wavecraft.models.drumtranscriber import DrumTranscriber, transcribe
from wavecraft.patterns import parse_pattern, render_pattern
from wavecraft.separation.demix import METHODS, demix
from wavecraft.separation.figures import plot_activations
from wavecraft.separation.templates import corpus_templates
from wavecraft.summary import summary_json

#: The drums of ``--templates`` when ``--drums`` does not name them.
TEMPLATE_DRUMS = ("kick", "snare", "hihat")


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``demix`` and ``reprogram``."""
    dmx = commands.add_parser("demix", help=summary("demix"), description=__doc__)
    dmx.add_argument("loop", metavar="LOOP", help="a single-channel drum loop (stereo is mixed down)")
    dmx.add_argument("--components", type=options.integer(1, 64), help="drums to look for (default 3, or one per --drums)")
    options.shared(dmx, out="folder: stems/, sounds/, onsets.csv, activations.png, summary.json", seeds="the initial activations", force="replace --out")
    dmx.add_argument("--method", choices=METHODS, default="nmfd", help="nmfd (decaying templates of 0.75 s, default) or nmf (single spectra)")
    dmx.add_argument("--beta", type=options.number(0.0, 2.0), default=1.0, help="β-divergence: 2 Euclidean, 1 Kullback-Leibler (default), 0 Itakura-Saito")
    dmx.add_argument("--iterations", type=options.integer(1), default=200, help="multiplicative updates (default 200)")
    dmx.add_argument("--templates", metavar="CORPUS", help="start NMFD from templates learned from CORPUS's one-shots "
                     "(drums, or folder:PATH with one sub-folder per drum) instead of frequency bands")
    dmx.add_argument("--drums", type=options.names, default=None, metavar="LABELS",
                     help=f"with --templates: its labels, one component each in this order (default {','.join(TEMPLATE_DRUMS)}, or the transcriber's)")
    dmx.add_argument("--transcriber", type=Path, metavar="RUN", help="inform NMFD with the onsets a drum-transcriber run hears in the loop: "
                     "one component per drum it transcribes, sounding only at its onsets")
    dmx.add_argument("--threshold", type=options.thresholds, default=None, metavar="P|DRUM=P,...",
                     help="with --transcriber: the onset probability a peak must reach, one for every drum or each drum's "
                          "(e.g. kick=0.6,snare=0.3, as `wavecraft listen RUN` chooses them; default the run's)")
    dmx.set_defaults(run=run_demix)

    rep = commands.add_parser("reprogram", help=summary("reprogram"))
    rep.add_argument("folder", type=Path, metavar="DIR", help="a demix output folder")
    rep.add_argument("--pattern", required=True, help='rows of x and . per sound, separated by |, e.g. "x...x...|..x...x.|xxxxxxxx"')
    rep.add_argument("--bpm", type=options.number(20.0, 400.0), default=120.0, help="tempo; a step is a sixteenth note (default 120)")
    rep.add_argument("--repeat", type=options.integer(1, 1000), default=4, help="times the pattern plays (default 4)")
    options.shared(rep, out="the new loop (.wav or .flac)", force="overwrite --out")
    rep.set_defaults(run=run_reprogram)


def run_demix(args: argparse.Namespace) -> int:
    """Demix the loop and write stems, sounds, onsets, a figure and the summary."""
    check_writable(args.out, args.force)
    transcriber = None if args.transcriber is None else load_drum_transcriber(args.transcriber)[0]
    drums, n_components = _components(args, transcriber)
    signal, sr = audio.load(args.loop, require_nonsilent=True)
    onsets = None if transcriber is None else transcribed_onsets(transcriber, signal, sr, args.threshold)
    templates = None if args.templates is None else corpus_templates(open_corpus(args.templates), drums, sr)
    result = demix(signal, sr, n_components=n_components, method=args.method, beta=args.beta, n_iter=args.iterations, seed=args.seed,
                   templates=templates, onsets=onsets)
    components = [
        {
            **({"drum": drums[k]} if drums else {}),
            "stem": f"stems/stem_{k + 1}.wav",
            "sound": f"sounds/sound_{k + 1}.wav",
            "spectral_centroid_hz": round(float(result.centroids_hz[k]), 1),
            "onsets_s": [round(float(t), 4) for t in result.onsets[k]],
            "stem_rms_db": round(float(20 * np.log10(np.sqrt(np.mean(result.stems[k] ** 2)) + 1e-12)), 2),
        }
        for k in range(n_components)
    ]
    summary = {
        "loop": str(args.loop),
        "sample_rate": sr,
        "method": args.method,
        "beta": args.beta,
        "iterations": args.iterations,
        "seed": args.seed,
        "templates": args.templates,
        "transcriber": None if args.transcriber is None else str(args.transcriber),
        "threshold": args.threshold,
        "final_cost": round(float(result.factorisation.costs[-1]), 4),
        "components": components,
    }
    with atomic_path(args.out, force=args.force) as tmp:
        (tmp / "stems").mkdir(parents=True)
        (tmp / "sounds").mkdir()
        for k in range(n_components):
            audio.save(tmp / components[k]["stem"], result.stems[k], sr, subtype="FLOAT")
            audio.save(tmp / components[k]["sound"], result.sounds[k], sr, subtype="FLOAT")
        lines = ["component,onset_s"] + [f"{k + 1},{t}" for k in range(n_components) for t in components[k]["onsets_s"]]
        (tmp / "onsets.csv").write_text("\n".join(lines) + "\n")
        plot_activations(tmp / "activations.png", signal, sr, result.activations, result.frame_rate, result.onsets)
        (tmp / "summary.json").write_text(summary_json(summary))
    rows = [[k + 1, c.get("drum", ""), c["spectral_centroid_hz"], len(c["onsets_s"]), c["stem_rms_db"]] for k, c in enumerate(components)]
    print(format_table(["component", "drum", "centroid_hz", "onsets", "rms_db"], rows))
    print(f"wrote {args.out}")
    return 0


def _components(args: argparse.Namespace, transcriber: DrumTranscriber | None) -> tuple[tuple[str, ...], int]:
    """The components' drums (none when blind) and K: ``--components`` (default 3), one per ``--drums`` when templates are learned,
    one per transcribed drum with ``--transcriber``; refuses them disagreeing, or nmf."""
    if transcriber is not None:
        drums = transcriber.config.drums
        if args.drums not in (None, drums):
            raise InvalidParameterError(f"{args.transcriber} transcribes {','.join(drums)}: with --transcriber, its drums are the components")
        unknown = sorted(set(args.threshold) - set(drums)) if isinstance(args.threshold, dict) else []
        if unknown:
            raise InvalidParameterError(f"--threshold names {','.join(unknown)}, but {args.transcriber} transcribes {','.join(drums)}")
    elif args.threshold is not None:
        raise InvalidParameterError("--threshold is the transcriber's: give --transcriber RUN")
    elif args.templates is not None:
        drums = args.drums or TEMPLATE_DRUMS
    elif args.drums:
        raise InvalidParameterError("--drums names the components of --templates or --transcriber")
    else:
        return (), args.components or 3
    if args.method != "nmfd":
        raise InvalidParameterError("--templates and --transcriber need --method nmfd")
    if args.components not in (None, len(drums)):
        raise InvalidParameterError(f"--components {args.components} but there are {len(drums)} drums ({','.join(drums)}): they set the components")
    return drums, len(drums)


def transcribed_onsets(network: DrumTranscriber, signal: np.ndarray, sample_rate: int, threshold: float | dict[str, float] | None) -> list[np.ndarray]:
    """Each drum's onsets (s) that a drum transcriber hears in the loop (resampled to its rate), over one threshold or each drum's
    (the run's where none is given)."""
    found = transcribe(network, audio.resample(signal, sample_rate, network.sample_rate), threshold)
    return [found[drum] for drum in network.config.drums]


def load_sounds(folder: Path) -> tuple[list[np.ndarray], int]:
    """The sounds of a demix folder, in component order, and their rate."""
    paths = sorted((folder / "sounds").glob("sound_*.wav"), key=lambda p: int(re.findall(r"\d+", p.stem)[-1]))
    if not paths:
        raise InvalidParameterError(f"{folder} has no sounds/sound_*.wav; run `wavecraft demix LOOP --out {folder}` first")
    loaded = [audio.load(p) for p in paths]
    rates = sorted({rate for _, rate in loaded})
    if len(rates) > 1:
        raise InvalidParameterError(f"the sounds in {folder} have different rates ({', '.join(map(str, rates))} Hz); a loop plays at one")
    return [s for s, _ in loaded], rates[0]


def run_reprogram(args: argparse.Namespace) -> int:
    """Render the pattern with the recovered sounds."""
    pattern = parse_pattern(args.pattern)
    check_writable(args.out, args.force)
    sounds, sr = load_sounds(args.folder)
    if len(pattern) > len(sounds):
        raise InvalidParameterError(f"the pattern has {len(pattern)} rows but {args.folder} holds {len(sounds)} sounds")
    loop = np.tile(pattern, args.repeat)
    mix, _, _ = render_pattern(sounds[: len(pattern)], loop, args.bpm, sr)
    peak = np.abs(mix).max()
    if peak > 0.99:
        mix *= 0.99 / peak
    audio.save(args.out, mix, sr, force=args.force, subtype="FLOAT")
    print(f"wrote {args.out}: {len(pattern)} sounds, {pattern.shape[1]} steps x {args.repeat} at {args.bpm:g} bpm ({mix.size / sr:.2f} s)")
    return 0
