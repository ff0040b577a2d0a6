"""``wavecraft generate``, ``continue``, ``interpolate``, ``export`` and ``evaluate``: use a trained generative run (GAN, VAE, frames, WaveNet), score it."""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
import torch

from wavecraft import audio
from wavecraft.analysis.plots import plot_spectrograms
from wavecraft.atomic import atomic_path, check_writable, write_text
from wavecraft.cli import options
from wavecraft.cli.commands import summary
from wavecraft.cli.output import format_table
from wavecraft.corpus import open_corpus
from wavecraft.errors import InvalidParameterError
from wavecraft.inference import FrameModel, Generator, WaveNetModel, load_classifier, load_generator
from wavecraft.metrics import different_bins, frechet_distance, inception_score, mel_statistics, nearest_distances
from wavecraft.models import classify
from wavecraft.music.evaluation import comparison_table, evaluate_runs, write_report
from wavecraft.music.generation import generated_pieces, write_pieces
from wavecraft.music.render import SYNTHS
from wavecraft.pyramid import load_pyramid
from wavecraft.summary import summary_json
from wavecraft.train.checkpoints import read_run_config
from wavecraft.train.data import SliceSampler

#: export formats -> file suffix
EXPORTS = {"pt2": ".pt2", "onnx": ".onnx"}


#: Runs that make audio of any length, step by step (no latent vector)
STEPWISE = (FrameModel, WaveNetModel)

#: Real clips scoring an inception score below this share of its range (1 to the classes) mean a classifier that cannot separate them.
BLIND = 0.2


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``generate``, ``continue``, ``interpolate``, ``export`` and ``evaluate``."""
    generate = commands.add_parser("generate", help=summary("generate"))
    generate.add_argument("run_dir", type=Path, metavar="RUN")
    generate.add_argument("-n", type=options.integer(1), default=16, help="clips (default 16)")
    options.shared(generate, out="folder of WAVs and sheet.png", seeds="the latent vectors", force="replace --out")
    generate.add_argument("--label", default=None, help="class of a conditional run (default: the classes in turn)")
    generate.add_argument("--checkpoint", default=None, help="a checkpoint name such as step-0000500 or best (default the latest)")
    generate.add_argument("--refine", type=Path, nargs="+", default=[], metavar="SUPERRES",
                          help="a Laplacian pyramid: bandwidth-extension runs (best checkpoints) that refine RUN's clips octave by octave, coarsest first")
    _length_arguments(generate, "frames and WaveNet runs: seconds per clip (default one training window); melody runs: per piece (default 32)")
    generate.add_argument("--synth", choices=SYNTHS, default="soundfont", help="melody runs: how the pieces' WAVs are rendered (default soundfont)")
    generate.set_defaults(run=run_generate)

    cont = commands.add_parser("continue", help=summary("continue"))
    cont.add_argument("run_dir", type=Path, metavar="RUN", help="a frames run (wavecraft train frames)")
    cont.add_argument("prompt", type=Path, metavar="PROMPT", help="audio to continue, at the run's rate")
    cont.add_argument("output", type=Path, metavar="OUT", help="the WAV to write: the prompt as the model codes it, then the continuation")
    _length_arguments(cont, "seconds to add after the prompt (default 10)", default=10.0)
    options.shared(cont, seeds="the frames' randomness", force="overwrite OUT")
    cont.add_argument("--checkpoint", default="best", help="a checkpoint name such as step-0000500 (default best)")
    cont.set_defaults(run=run_continue)

    interpolate = commands.add_parser("interpolate", help=summary("interpolate"))
    interpolate.add_argument("run_dir", type=Path, metavar="RUN")
    interpolate.add_argument("--steps", type=options.integer(2), default=8, help="clips from one end to the other, both included (default 8)")
    interpolate.add_argument("--labels", nargs=2, metavar=("FROM", "TO"), default=None,
                             help="conditional runs: keep z and move the label embedding from one class to the other")
    options.shared(interpolate, out="folder of WAVs, sheet.png and summary.json", seeds="the two end points", force="replace --out")
    interpolate.add_argument("--checkpoint", default=None, help="a checkpoint name (default the latest)")
    interpolate.set_defaults(run=run_interpolate)

    export = commands.add_parser("export", help=summary("export"))
    export.add_argument("run_dir", type=Path, metavar="RUN")
    options.shared(export, out="a .pt2 file (torch.export.load(...).module() runs it) or a .onnx file", force="overwrite --out")
    export.add_argument("--checkpoint", default=None, help="a checkpoint name (default the latest)")
    export.set_defaults(run=run_export)

    evaluate = commands.add_parser(
        "evaluate", help=summary("evaluate")
    )
    evaluate.add_argument("runs", type=Path, nargs="+", metavar="RUN", help="a run (melody runs of one collection: one or more, compared)")
    evaluate.add_argument("--classifier", type=Path, default=None, metavar="CLF",
                          help="a classifier folder (`classifier train`); required for every run but a melody run")
    evaluate.add_argument("-n", type=options.integer(2), default=500, help="clips drawn from each side (default 500)")
    evaluate.add_argument("--bins", type=options.integer(2), default=10, help="k-means bins of NDB/K (default 10)")
    evaluate.add_argument("--checkpoint", default=None, help="a checkpoint name such as step-0000500 or best (default the latest)")
    evaluate.add_argument("--refine", type=Path, nargs="+", default=[], metavar="SUPERRES",
                          help="score the Laplacian pyramid of RUN and these bandwidth-extension runs, coarsest first (see generate)")
    options.shared(evaluate, seeds="the latents and of the real draws", force="overwrite --json")
    evaluate.add_argument("--json", type=Path, default=None, help="also write the scores to this JSON file")
    evaluate.add_argument("--report", type=Path, default=None, metavar="DIR",
                          help="melody runs: also write DIR/index.html, the table with rendered examples of every run and of held-out pieces")
    evaluate.add_argument("--synth", choices=SYNTHS, default="soundfont", help="melody runs: how --report renders the pieces (default soundfont)")
    evaluate.set_defaults(run=run_evaluate)


def _length_arguments(parser: argparse.ArgumentParser, seconds: str, default: float | None = None) -> None:
    """``--seconds`` and ``--temperature``: how much a frame model makes, and how freely."""
    longest = options.MAX_SECONDS
    parser.add_argument("--seconds", type=options.number(0.0, longest, above=True), default=default, help=f"{seconds}; at most {longest:g}")
    parser.add_argument("--temperature", type=options.number(0.0), default=1.0,
                        help="frames and WaveNet runs: scale of each step's randomness (0: the most likely frame or sample; default 1)")


def run_generate(args: argparse.Namespace) -> int:
    """Write ``n`` generated clips and a sheet of their spectrograms (a melody run: pieces as MIDI and WAV, and their statistics)."""
    if read_run_config(args.run_dir)[0].kind == "melody":
        check_writable(args.out, args.force)
        pieces, facts = generated_pieces(args.run_dir, args.checkpoint, args.n, args.seconds or 32.0, args.seed, args.temperature)
        statistics = write_pieces(pieces, facts, args.out, synth=args.synth, force=args.force)["statistics"]
        print(f"wrote {args.n} pieces (MIDI and WAV) from {facts['checkpoint']} to {args.out}")
        if statistics:
            print(format_table(["statistic", "held-out pieces", "generated"],
                               [[k, statistics["real"][k], statistics["generated"][k]] for k in statistics["real"]]))
        return 0
    model = load_pyramid(args.run_dir, args.refine, args.checkpoint) if args.refine else load_generator(args.run_dir, args.checkpoint)
    stepwise = isinstance(model, STEPWISE)
    if not stepwise and (args.seconds is not None or args.temperature != 1.0):
        raise InvalidParameterError(f"--seconds and --temperature are for frames and WaveNet runs; {args.run_dir} is a {model.config.kind} run "
                                    f"of {model.length}-sample clips")
    check_writable(args.out, args.force)
    generator = torch.Generator().manual_seed(args.seed)
    labels = model.labels(args.n, args.label)
    facts = {"run": str(args.run_dir), "checkpoint": model.checkpoint.name, "seed": args.seed}
    if args.refine:
        facts["refine"] = [str(run) for run in args.refine]
    if labels is not None:
        facts["labels"] = [model.config.labels[i] for i in labels.tolist()]
    if stepwise:
        samples = round(args.seconds * model.config.sample_rate) if args.seconds else None
        clips = model.sample(args.n, generator, labels, samples=samples, temperature=args.temperature)
        facts["temperature"] = args.temperature
    else:
        clips = model.sample(args.n, generator, labels)
    _write_clips(model, clips, args.out, args.force, facts)
    print(f"wrote {args.n} clips from {model.checkpoint.name} to {args.out}")
    return 0


def run_continue(args: argparse.Namespace) -> int:
    """Continue a prompt with a frames run and write the prompt (as the model codes it) and the continuation, atomically."""
    model = load_generator(args.run_dir, args.checkpoint)
    if not isinstance(model, FrameModel):
        raise InvalidParameterError(f"{args.run_dir} is a {model.config.kind} run; continue takes a frames run (wavecraft train frames)")
    check_writable(args.output, args.force)
    rate = model.config.sample_rate
    prompt, prompt_rate = audio.load(args.prompt)
    if prompt_rate != rate:
        raise InvalidParameterError(f"{args.prompt} is at {prompt_rate} Hz and the run makes {rate} Hz: "
                                    f"resample it first (wavecraft audio convert {args.prompt} OUT.wav --rate {rate})")
    if prompt.size < model.config.model.hop:
        raise InvalidParameterError(f"{args.prompt} is shorter than one hop ({model.config.model.hop} samples): there is nothing to continue")
    history, kept = model.prompt_frames(prompt)
    added = round(args.seconds * rate)
    made = model.continuation(history, kept + added, torch.Generator().manual_seed(args.seed), temperature=args.temperature)[0]
    audio.save(args.output, made, rate, subtype="FLOAT", force=args.force)
    print(f"wrote {args.output}: {kept / rate:.2f} s of prompt and {added / rate:.2f} s continued by {args.run_dir} ({model.checkpoint.name})")
    return 0


def _latent_model(args: argparse.Namespace, use: str) -> Generator:
    """The run's generator, refusing a frames or WaveNet run (it has no latent vector to ``use``)."""
    model = load_generator(args.run_dir, args.checkpoint)
    if isinstance(model, STEPWISE):
        raise InvalidParameterError(f"{args.run_dir} is a {model.config.kind} run: it makes audio step by step from noise, with no latent "
                                    f"vector to {use}; use wavecraft generate")
    return model


def run_interpolate(args: argparse.Namespace) -> int:
    """Clips at evenly spaced points between two latent vectors (a straight line inside the prior's support), or two labels."""
    model = _latent_model(args, "interpolate")
    check_writable(args.out, args.force)
    ends = model.latent(2, torch.Generator().manual_seed(args.seed))
    weights = torch.linspace(0, 1, args.steps)[:, None]
    facts = {"run": str(args.run_dir), "checkpoint": model.checkpoint.name, "seed": args.seed}
    if args.labels:
        start, stop = (model.labels(1, name)[0] for name in args.labels)
        soft = torch.zeros(args.steps, len(model.config.labels))
        soft[:, start] += 1 - weights[:, 0]
        soft[:, stop] += weights[:, 0]
        latents, labels = ends[:1].expand(args.steps, -1), soft
        facts |= {"interpolation": "label embedding", "labels": args.labels}
    else:
        latents, labels = (1 - weights) * ends[0] + weights * ends[1], model.labels(1)
        labels = None if labels is None else labels.expand(args.steps)
        facts["interpolation"] = "linear in z"
    _write_clips(model, model.synthesize(latents, labels), args.out, args.force, facts)
    print(f"wrote {args.steps} interpolated clips from {model.checkpoint.name} to {args.out}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Export the generator network (z, and labels for a conditional run -> its output), for any batch size, atomically.

    ``torch.export`` rather than TorchScript: ``torch.jit.trace``/``load`` are deprecated in the torch this project pins.
    A SpecGAN's network makes normalised spectrograms; Griffin-Lim stays outside the exported graph.
    """
    model = _latent_model(args, "export from")
    if args.out.suffix not in EXPORTS.values():
        raise InvalidParameterError(f"--out must end in {' or '.join(EXPORTS.values())}, not {args.out.name!r}")
    check_writable(args.out, args.force)
    generator = model.network
    labels = model.labels(2)
    inputs = (model.latent(2),) if labels is None else (model.latent(2), labels)
    batch = torch.export.Dim("batch", min=1)
    shapes = dict(zip(("z", "labels"), [{0: batch}] * len(inputs)))
    with atomic_path(args.out, force=args.force) as tmp, torch.no_grad():
        if args.out.suffix == ".pt2":
            torch.export.save(torch.export.export(generator, inputs, dynamic_shapes=shapes), str(tmp))
        else:
            torch.onnx.export(generator, inputs, str(tmp), input_names=list(shapes), output_names=["output"],
                              dynamic_shapes=shapes, dynamo=True, external_data=False, verbose=False)
    config = model.config
    output = f"{config.length} samples at {config.sample_rate} Hz" if config.kind != "specgan" else "a normalised spectrogram (invert with Griffin-Lim)"
    print(f"wrote {args.out}: {config.kind} generator from {model.checkpoint.name}, z of {config.model.latent} values -> {output}")
    return 0


def _write_clips(model: Generator | FrameModel | WaveNetModel, clips: np.ndarray, out: Path, force: bool, facts: dict) -> None:
    """Write WAVs, the spectrogram sheet and summary.json, atomically."""
    rate = model.sample_rate
    with atomic_path(out, force=force) as tmp:
        tmp.mkdir(parents=True)
        for i, clip in enumerate(clips):
            audio.save(tmp / f"clip_{i:03d}.wav", clip, rate, subtype="FLOAT")
        plot_spectrograms(clips, rate, tmp / "sheet.png")
        (tmp / "summary.json").write_text(summary_json({**facts, "n": len(clips), "sample_rate": rate}))


def _evaluate_melody(args: argparse.Namespace) -> int:
    """Mogren's statistics, Bach's region and the held-out likelihood of melody runs side by side, printed (and written to ``--json``,
    and as a page with rendered examples to ``--report``)."""
    for path in (args.json, args.report):
        if path:
            check_writable(path, args.force)
    result, drawn = evaluate_runs(args.runs, args.checkpoint, args.n, 32.0, args.seed)
    print(format_table(*comparison_table(result)))
    if args.json:
        write_text(args.json, summary_json(result), force=args.force)
    if args.report:
        write_report(result, drawn, args.report, synth=args.synth, force=args.force)
        print(f"wrote {args.report / 'index.html'}")
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    """Score generated clips and two independent draws of real ones with the same classifier (a melody run: Mogren's evaluation)."""
    if all(read_run_config(run)[0].kind == "melody" for run in args.runs):
        return _evaluate_melody(args)
    if len(args.runs) > 1:
        raise InvalidParameterError("evaluate compares melody runs; score any other run on its own")
    run = args.runs[0]
    if args.classifier is None:
        raise InvalidParameterError(f"evaluate {run} needs --classifier: a classifier folder (wavecraft classifier train)")
    if args.n < max(20, 2 * args.bins):
        raise InvalidParameterError("-n must be at least 20 (10 splits of the inception score) and twice --bins")
    if args.json:
        check_writable(args.json, args.force)
    model = load_pyramid(run, args.refine, args.checkpoint) if args.refine else load_generator(run, args.checkpoint)
    config, rate = model.config, model.sample_rate
    classifier, _ = load_classifier(args.classifier)
    clf_config = classifier.config
    if clf_config.sample_rate != rate:
        raise InvalidParameterError(f"the classifier hears {clf_config.sample_rate} Hz and the run makes {rate} Hz")
    stepwise = isinstance(model, STEPWISE)
    length = clf_config.clip_samples if stepwise else model.length  # a frame model or WaveNet makes clips of any length
    if clf_config.clip_samples != length:
        seconds = model.length / rate
        raise InvalidParameterError(f"the classifier hears clips of {clf_config.clip_samples} samples and the run makes {model.length}: "
                                    f"padding or cutting would score something else; train one with --seconds {seconds:g}")
    # real clips only of classes the classifier knows (a conditional run's labels are such classes already)
    known = config.labels or clf_config.labels
    sampler = SliceSampler(open_corpus(model.record.provenance["corpus"]), rate, length, config.normalize, args.seed, known)
    generator = torch.Generator().manual_seed(args.seed)
    labels = model.labels(args.n)
    fake = model.sample(args.n, generator, labels, samples=length) if stepwise else model.sample(args.n, generator, labels)
    real, real_labels = sampler.batch(args.n)
    real_again, again_labels = sampler.batch(args.n)
    clips = {"real": (real[:, 0].numpy(), real_labels), "real, second draw": (real_again[:, 0].numpy(), again_labels), "generated": (fake, labels)}
    scored = {name: classify(classifier, made) for name, (made, _) in clips.items()}
    mels = {name: mel_statistics(made, rate) for name, (made, _) in clips.items()}  # no classifier: the training loop's measure
    scores, rows = {}, []
    for name, (probabilities, embeddings) in scored.items():
        score, spread = inception_score(probabilities)
        row = {"inception_score": score, "inception_std": spread,
               "frechet_to_real": frechet_distance(scored["real"][1], embeddings) if name != "real" else 0.0,
               "mel_frechet_to_real": frechet_distance(mels["real"], mels[name]) if name != "real" else 0.0,
               "ndb_k": different_bins(scored["real"][1], embeddings, bins=args.bins, seed=args.seed) / args.bins if name != "real" else 0.0}
        if config.labels:
            row["label_accuracy"] = _label_accuracy(probabilities.argmax(axis=1), clips[name][1].numpy(), config.labels, clf_config.labels)
        counts = np.bincount(probabilities.argmax(axis=1), minlength=len(clf_config.labels))
        scores[name] = row
        rows.append([name, *row.values(), " ".join(f"{label}:{c}" for label, c in zip(clf_config.labels, counts))])
    training = classify(classifier, sampler.starts())[1]
    spacing = float(np.median(nearest_distances(training, training, leave_one_out=True)))
    if spacing == 0:
        raise InvalidParameterError(f"{args.classifier} embeds the training clips at one point: it cannot measure memorisation (or anything)")
    closest = float(np.median(nearest_distances(scored["generated"][1], training)))
    scores["memorisation"] = {"generated_to_training_median": closest, "training_spacing_median": spacing, "ratio": closest / spacing}
    print(f"{model.checkpoint.name}, {args.n} clips per row, classifier {args.classifier} ({clf_config.frontend})")
    print(format_table(["clips", *next(iter(scores.values())), "predicted_classes"], rows))
    real_score = scores["real"]["inception_score"]
    if real_score - 1 < BLIND * (len(clf_config.labels) - 1):
        warnings.warn(f"the classifier hardly tells the real clips' classes apart (their inception score is {real_score:.2f} of at most "
                      f"{len(clf_config.labels)}): no score here means much", stacklevel=1)
    print(f"memorisation: median distance of a generated clip to its nearest training clip {closest:.3f}, "
          f"of a training clip to its nearest other {spacing:.3f} (ratio {closest / spacing:.2f}; well below 1 means copies)")
    if args.json:
        with atomic_path(args.json, force=args.force) as tmp:
            refined = {"refine": [str(r) for r in args.refine]} if args.refine else {}
            tmp.write_text(json.dumps({"checkpoint": model.checkpoint.name, **refined, "n": args.n, **scores}, indent=2) + "\n")
    return 0


def _label_accuracy(predicted: np.ndarray, intended: np.ndarray, run_labels: tuple[str, ...], classifier_labels: tuple[str, ...]) -> float:
    """Fraction of clips the classifier names as the class they were made (or drawn) as; labels matched by name."""
    names = np.array(classifier_labels)[predicted]
    wanted = np.array(run_labels)[intended]
    known = intended >= 0
    return float(np.mean(names[known] == wanted[known])) if known.any() else float("nan")
