"""``wavecraft train gan``, ``generate``, ``interpolate``, ``export`` and ``evaluate``: train a WaveGAN, use a run, score it."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from wavecraft import audio
from wavecraft.atomic import atomic_path, check_writable
from wavecraft.corpus import open_corpus
from wavecraft.errors import InvalidParameterError
from wavecraft.cli.output import format_table
from wavecraft.metrics import frechet_distance, inception_score
from wavecraft.models import classify, load_model
from wavecraft.train.gan import LOSSES, PRESETS, GANTrainer, SliceSampler, latest_checkpoint, load_run_config, train_gan
from wavecraft.analysis.plots import plt, save_figure


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``train gan`` and ``generate``."""
    train = commands.add_parser("train", help="train generative models", description=__doc__)
    sub = train.add_subparsers(dest="train_command", metavar="MODEL", required=True)
    gan = sub.add_parser("gan", help="train a WaveGAN on a corpus (checkpoints resume bit-exactly)")
    gan.add_argument("corpus", metavar="CORPUS", help="e.g. drums, digits, folder:./sounds")
    gan.add_argument("--model", choices=["wavegan"], default="wavegan", help="the model (default wavegan)")
    gan.add_argument("--preset", choices=sorted(PRESETS), default="small", help="small (d=16, 4096 samples) or paper (default small)")
    gan.add_argument("--out", type=Path, required=True, help="run folder: config.json, checkpoints/, log.csv")
    gan.add_argument("--steps", type=int, default=1000, help="generator steps to reach (default 1000)")
    gan.add_argument("--loss", choices=LOSSES, default=None, help="override the preset's loss (wgan-gp)")
    gan.add_argument("--checkpoint-every", type=int, default=100, help="steps between checkpoints (default 100)")
    gan.add_argument("--keep", type=int, default=3, help="checkpoints kept (default 3)")
    gan.add_argument("--seed", type=int, default=0, help="seed of everything random (default 0)")
    gan.add_argument("--resume", action="store_true", help="continue --out from its last checkpoint")
    gan.add_argument("--force", action="store_true", help="replace --out")
    gan.set_defaults(run=run_train_gan)

    generate = commands.add_parser("generate", help="sample clips from a trained run")
    generate.add_argument("run_dir", type=Path, metavar="RUN")
    generate.add_argument("-n", type=int, default=16, help="clips (default 16)")
    generate.add_argument("--out", type=Path, required=True, help="folder of WAVs and sheet.png")
    generate.add_argument("--seed", type=int, default=0, help="seed of the latent vectors (default 0)")
    generate.add_argument("--force", action="store_true", help="replace --out")
    generate.set_defaults(run=run_generate)

    interpolate = commands.add_parser("interpolate", help="clips along a straight line between two latent vectors")
    interpolate.add_argument("run_dir", type=Path, metavar="RUN")
    interpolate.add_argument("--steps", type=int, default=8, help="clips from one end to the other, both included (default 8)")
    interpolate.add_argument("--out", type=Path, required=True, help="folder of WAVs, sheet.png and summary.json")
    interpolate.add_argument("--seed", type=int, default=0, help="seed of the two end points (default 0)")
    interpolate.add_argument("--force", action="store_true", help="replace --out")
    interpolate.set_defaults(run=run_interpolate)

    export = commands.add_parser("export", help="the generator as a torch.export program (z -> audio), loadable without wavecraft")
    export.add_argument("run_dir", type=Path, metavar="RUN")
    export.add_argument("--out", type=Path, required=True, help="the .pt2 file (torch.export.load(...).module() runs it)")
    export.add_argument("--force", action="store_true", help="overwrite --out")
    export.set_defaults(run=run_export)

    evaluate = commands.add_parser("evaluate", help="inception score and Fréchet distance of a run, beside the real data's")
    evaluate.add_argument("run_dir", type=Path, metavar="RUN")
    evaluate.add_argument("--classifier", type=Path, required=True, metavar="CLF", help="a classifier folder (`classifier train`)")
    evaluate.add_argument("-n", type=int, default=500, help="clips drawn from each side (default 500)")
    evaluate.add_argument("--checkpoint", default=None, help="a checkpoint name such as step-0000500 (default the latest)")
    evaluate.add_argument("--seed", type=int, default=0, help="seed of the latents and of the real draws (default 0)")
    evaluate.set_defaults(run=run_evaluate)


def run_train_gan(args: argparse.Namespace) -> int:
    """Train or resume."""
    if args.steps < 1 or args.checkpoint_every < 1 or args.keep < 1:
        raise InvalidParameterError("--steps, --checkpoint-every and --keep must be at least 1")
    if args.resume and args.force:
        raise InvalidParameterError("--resume continues a run and --force replaces it; choose one")
    config = replace(PRESETS[args.preset], seed=args.seed)
    if args.loss:
        config = replace(config, loss=args.loss)
    trainer = train_gan(open_corpus(args.corpus), args.out, config, args.steps, args.checkpoint_every, args.keep,
                        resume=args.resume, force=args.force)
    last = trainer.history[-1] if trainer.history else {}
    print(f"wrote {args.out}: step {trainer.step}, d_loss {last.get('d_loss', float('nan')):.4f}, "
          f"g_loss {last.get('g_loss', float('nan')):.4f}, {last.get('steps_per_second', 0):.2f} steps/s")
    return 0


def run_generate(args: argparse.Namespace) -> int:
    """Write ``n`` generated clips and a sheet of their spectrograms."""
    if args.n < 1:
        raise InvalidParameterError("-n must be at least 1")
    trainer, checkpoint, _ = _trained(args.run_dir)
    check_writable(args.out, args.force)
    torch.manual_seed(args.seed)
    _write_clips(trainer, trainer.latent(args.n), args.out, args.force, {"run": str(args.run_dir), "checkpoint": checkpoint.name, "seed": args.seed})
    print(f"wrote {args.n} clips from {checkpoint.name} to {args.out}")
    return 0


def run_interpolate(args: argparse.Namespace) -> int:
    """Clips at evenly spaced points between two latent vectors (z stays inside the uniform cube on a straight line)."""
    if args.steps < 2:
        raise InvalidParameterError("--steps must be at least 2")
    trainer, checkpoint, _ = _trained(args.run_dir)
    check_writable(args.out, args.force)
    torch.manual_seed(args.seed)
    ends = trainer.latent(2)
    weights = torch.linspace(0, 1, args.steps)[:, None]
    _write_clips(trainer, (1 - weights) * ends[0] + weights * ends[1], args.out, args.force,
                 {"run": str(args.run_dir), "checkpoint": checkpoint.name, "seed": args.seed, "interpolation": "linear in z"})
    print(f"wrote {args.steps} interpolated clips from {checkpoint.name} to {args.out}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Export the generator at its latest checkpoint with ``torch.export`` (any batch size), atomically.

    ``torch.export`` rather than TorchScript: ``torch.jit.trace``/``load`` are deprecated in the torch this project pins.
    """
    trainer, checkpoint, _ = _trained(args.run_dir)
    check_writable(args.out, args.force)
    generator = trainer.generator.eval()
    with torch.no_grad():
        program = torch.export.export(generator, (trainer.latent(2),), dynamic_shapes={"z": {0: torch.export.Dim("batch", min=1)}})
    with atomic_path(args.out, force=args.force) as tmp:
        torch.export.save(program, str(tmp))
    print(f"wrote {args.out}: generator from {checkpoint.name}, z of {trainer.config.model.latent} values in [-1, 1] "
          f"-> {trainer.config.model.length} samples at {trainer.config.sample_rate} Hz")
    return 0


def _trained(run: Path, name: str | None = None) -> tuple[GANTrainer, Path, dict]:
    """A run's generator (and discriminator) at checkpoint ``name`` (default the latest), and its ``config.json``."""
    config, payload = load_run_config(run)
    checkpoint = run / "checkpoints" / name if name else latest_checkpoint(run)
    if checkpoint is None or not checkpoint.is_dir():
        raise InvalidParameterError(f"{run} has no checkpoint {name or 'yet'}")
    trainer = GANTrainer(config, sampler=None)
    trainer.load_weights(checkpoint)
    return trainer, checkpoint, payload


def _write_clips(trainer: GANTrainer, latents: torch.Tensor, out: Path, force: bool, facts: dict) -> None:
    """Generate from ``latents`` and write WAVs, the spectrogram sheet and summary.json, atomically."""
    with torch.no_grad():
        clips = trainer.generator.eval()(latents)[:, 0].numpy()
    rate = trainer.config.sample_rate
    with atomic_path(out, force=force) as tmp:
        tmp.mkdir(parents=True)
        for i, clip in enumerate(clips):
            audio.save(tmp / f"clip_{i:03d}.wav", clip, rate, subtype="FLOAT")
        _contact_sheet(clips, rate, tmp / "sheet.png")
        (tmp / "summary.json").write_text(json.dumps({**facts, "n": len(clips), "sample_rate": rate}, indent=2) + "\n")


def run_evaluate(args: argparse.Namespace) -> int:
    """Score generated clips and two independent draws of real ones with the same classifier."""
    if args.n < 20:
        raise InvalidParameterError("-n must be at least 20 (10 splits of the inception score)")
    trainer, checkpoint, payload = _trained(args.run_dir, args.checkpoint)
    config = trainer.config
    classifier, clf_config, _ = load_model(args.classifier)
    if clf_config.sample_rate != config.sample_rate:
        raise InvalidParameterError(f"the classifier hears {clf_config.sample_rate} Hz and the run makes {config.sample_rate} Hz")
    sampler = SliceSampler(open_corpus(payload["corpus"]), config.sample_rate, config.model.length, config.normalize, args.seed)
    torch.manual_seed(args.seed)
    with torch.no_grad():
        fake = trainer.generator.eval()(trainer.latent(args.n))[:, 0].numpy()
    real, real_again = (sampler.batch(args.n)[:, 0].numpy() for _ in range(2))
    scored = {name: classify(classifier, clips) for name, clips in (("real", real), ("real, second draw", real_again), ("generated", fake))}
    rows = []
    for name, (probabilities, embeddings) in scored.items():
        score, spread = inception_score(probabilities)
        distance = frechet_distance(scored["real"][1], embeddings) if name != "real" else 0.0
        counts = np.bincount(probabilities.argmax(axis=1), minlength=len(clf_config.labels))
        rows.append([name, score, spread, distance, " ".join(f"{label}:{c}" for label, c in zip(clf_config.labels, counts))])
    print(f"{checkpoint.name}, {args.n} clips per row, classifier {args.classifier} ({clf_config.frontend})")
    print(format_table(["clips", "inception_score", "std", "frechet_to_real", "predicted_classes"], rows))
    return 0


def _contact_sheet(clips: np.ndarray, sample_rate: int, path: Path, columns: int = 8) -> None:
    """Log spectrograms of the clips in a grid."""
    rows = int(np.ceil(len(clips) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(2 * columns, 1.6 * rows), squeeze=False, layout="constrained")
    for ax in axes.ravel():
        ax.axis("off")
    for ax, clip in zip(axes.ravel(), clips):
        ax.specgram(clip, NFFT=256, Fs=sample_rate, noverlap=128, cmap="magma")
    save_figure(figure, path)
