"""``wavecraft vocode``: audio for mel features with a WaveNet vocoder (a run of ``wavecraft train wavenet --condition mel``)."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from wavecraft import audio
from wavecraft.atomic import check_writable
from wavecraft.cli import options
from wavecraft.cli.commands import summary
from wavecraft.cli.output import counted
from wavecraft.errors import InvalidParameterError
from wavecraft.inference import load_vocoder
from wavecraft.vocoder import PCAVocoder, envelope


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``vocode``."""
    vocode = commands.add_parser("vocode", help=summary("vocode"), description="Make audio for mel features with a WaveNet trained with "
                                 "--condition mel: the features of IN.wav (copy synthesis), of IN.wav through a PCA vocoder's N "
                                 "components (--pca), or a FEATURES.npy of dB mel envelope frames (frames x mels, 10 ms apart).")
    vocode.add_argument("run_dir", type=Path, metavar="RUN", help="a WaveNet run trained with --condition mel")
    vocode.add_argument("input", type=Path, metavar="IN", help="audio (its features are used) or a .npy of features (frames x mels, dB)")
    vocode.add_argument("output", type=Path, metavar="OUT", help="the WAV to write, at the run's rate")
    vocode.add_argument("--pca", type=Path, default=None, metavar="VOCODER", help="code IN.wav with this PCA vocoder first (same rate and bands)")
    vocode.add_argument("--components", type=options.integer(1), default=None, help="with --pca: N (default: the vocoder's)")
    vocode.add_argument("--temperature", type=options.number(0.0), default=1.0, help="scale of each sample's randomness (default 1)")
    vocode.add_argument("--checkpoint", default="best", help="a checkpoint name such as step-0000500 (default best)")
    options.shared(vocode, seeds="the samples' randomness", force="overwrite OUT")
    vocode.set_defaults(run=run_vocode)


def run_vocode(args: argparse.Namespace) -> int:
    """Features of the input (audio, audio through a PCA vocoder, or a .npy) to audio with a mel WaveNet, written atomically."""
    model = load_vocoder(args.run_dir, args.checkpoint)
    check_writable(args.output, args.force)
    rate, mels, hop = model.config.sample_rate, model.config.model.mels, model.config.model.hop
    if args.input.suffix == ".npy":
        if args.pca:
            raise InvalidParameterError("--pca codes audio; IN is already features")
        features = np.load(args.input, allow_pickle=False)
        if features.ndim != 2 or features.shape[1] != mels or not np.isfinite(features).all():
            raise InvalidParameterError(f"{args.input} must hold finite features of shape (frames, {mels}), not {features.shape}")
        samples, source = len(features) * hop, "features"
    else:
        signal, _ = audio.load(args.input, sr=rate, require_nonsilent=True)
        features, samples, source = envelope(signal.astype(np.float64), rate, mels), signal.size, "its features"
        if args.pca:
            vocoder = PCAVocoder.load(args.pca)
            if (vocoder.sample_rate, vocoder.n_mels) != (rate, mels):
                raise InvalidParameterError(f"{args.pca} codes {vocoder.n_mels} bands at {vocoder.sample_rate} Hz; the run hears {mels} at {rate} Hz")
            n = vocoder.check_components(args.components)
            features, source = vocoder.decode_envelope(vocoder.encode(signal.astype(np.float64), n)), f"its {counted(n, 'PCA component')}"
    if samples > options.MAX_SECONDS * rate:
        raise InvalidParameterError(f"{args.input} is {samples / rate:.0f} s long; vocode at most {options.MAX_SECONDS:g} s at once")
    made = model.vocode(torch.from_numpy(features.T[None]).float(), samples, torch.Generator().manual_seed(args.seed), temperature=args.temperature)
    audio.save(args.output, made[0], rate, subtype="FLOAT", force=args.force)
    print(f"wrote {args.output}: {samples / rate:.2f} s from {source} by {args.run_dir} ({model.checkpoint.name})")
    return 0
