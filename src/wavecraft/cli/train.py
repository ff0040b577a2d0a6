"""``wavecraft train MODEL CORPUS``: train a generative, translation, frame, WaveNet, speech, listening or transcription model (under torchrun: in
several processes)."""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from wavecraft.bases.basis import Basis
from wavecraft.cli import options
from wavecraft.cli.commands import summary
from wavecraft.corpus import Corpus, open_corpus
from wavecraft.corpus.phonemes import HELD_OUT_TAGS, transcripts
from wavecraft.errors import InvalidParameterError
from wavecraft.inference import load_run
from wavecraft.models.chords import HEADS
from wavecraft.models.conditioning import CONDITIONALS
from wavecraft.models.crnngan import WINDOW as CRNNGAN_WINDOW
from wavecraft.models.drumtranscriber import DRUMS_TRANSCRIBED
from wavecraft.models.frames import DISTRIBUTIONS, OBJECTIVES
from wavecraft.models.frontends import FRONTENDS
from wavecraft.models.melody import MELODY_MODELS, VOICE_SETS
from wavecraft.models.speechgan import SPEECH_GAN_MODELS
from wavecraft.models.tts import TTS_MODELS
from wavecraft.models.wavegan import STRIDES as WAVEGAN_STRIDES
from wavecraft.models.wavegan import WAVEGAN_DISCRIMINATORS
from wavecraft.models.wavenet import CONDITIONS, OUTPUTS
from wavecraft.music.chords import LABELS
from wavecraft.music.scores import collection_corpus
from wavecraft.nn.upsampling import UPSAMPLERS
from wavecraft.train.checkpoints import read_run_config
from wavecraft.train.classifier import class_names
from wavecraft.train.config import LOSSES, TrainConfig
from wavecraft.train.distributed import join, main_first, threads_per_process
from wavecraft.train.loop import Schedule, default_device, train_run
from wavecraft.train.precision import PRECISIONS
from wavecraft.train.presets import PRESETS, preset
from wavecraft.translate.config import DOMAINS
from wavecraft.translate.degrade import DECIMATIONS
from wavecraft.translate.discriminator import DISCRIMINATORS
from wavecraft.translate.tasks import TASKS, TaskConfig
from wavecraft.translate.unet import ACTIVATIONS, DOWNSAMPLERS
from wavecraft.vocoder import framing


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``train gan``, ``vae``, ``translate``, ``frames``, ``wavenet``, ``recogniser``, ``seq2seq``, ``tts``, ``tdnn``, ``chords`` and ``transcriber``."""
    train = commands.add_parser("train", help=summary("train"), description=__doc__)
    sub = train.add_subparsers(dest="train_command", metavar="MODEL", required=True)
    gan = sub.add_parser("gan", help="train a WaveGAN or SpecGAN, optionally class-conditional (checkpoints resume bit-exactly)")
    _training_arguments(gan)
    gan.add_argument("--model", choices=["wavegan", "specgan"], default="wavegan", help="the model (default wavegan)")
    gan.add_argument("--conditional", choices=CONDITIONALS, default="none",
                     help="class conditioning on the corpus labels: projection cgan, acgan, or a semi-supervised discriminator (default none)")
    gan.add_argument("--labelled", type=options.number(0.0, 1.0, above=True), default=1.0, help="fraction of files whose labels a semi run sees (default 1)")
    gan.add_argument("--loss", choices=LOSSES, default=None, help="default wgan-gp; nonsaturating for --conditional semi")
    gan.add_argument("--length", type=int, choices=sorted(WAVEGAN_STRIDES), default=None,
                     help="wavegan: samples per clip (default the preset's: 4096 small, 16384 paper)")
    gan.add_argument("--discriminator", choices=WAVEGAN_DISCRIMINATORS, default="wavegan",
                     help="wavegan: its critic alone; hifigan: joined by HiFi-GAN's multi-period and three-scale discriminators "
                          "(least-squares loss; wavegan model only) (default wavegan)")
    gan.add_argument("--feature-matching-weight", type=options.number(0.0), default=0.0,
                     help="hifigan: weight of the feature-matching loss on their hidden layers (default 0; HiFi-GAN: 2)")
    vae = sub.add_parser("vae", help="train the VAE baseline on WaveGAN's backbone")
    _training_arguments(vae)
    translate = sub.add_parser("translate", help="train a 1-D pix2pix U-Net to enhance, decorrupt or extend the bandwidth of audio")
    _training_arguments(translate)
    translate.add_argument("--task", choices=TASKS, required=True, help="enhance (noise), decorrupt (smoothing filter + gain), superres, or paired "
                                "(two-channel files: learn channel 1 -> channel 0, e.g. the phonemes corpus)")
    translate.add_argument("--factor", type=options.integer(2, 16), default=2, help="superres: rate divisor r (default 2)")
    translate.add_argument("--decimation", choices=DECIMATIONS, default="anti-aliased", help="superres: how low-rate inputs are made (default anti-aliased)")
    translate.add_argument("--snr", type=options.number(-60.0, 120.0), nargs=2, default=(0.0, 15.0), metavar=("LOW", "HIGH"),
                           help="enhance: SNR range in dB (default 0 15)")
    translate.add_argument("--noise", nargs="+", default=["coloured"], metavar="SOURCE",
                           help="enhance: noise sources, each clip drawing one: coloured (synthetic 1/f^b) and/or corpora "
                                "of recordings, e.g. --noise coloured music (default coloured)")
    translate.add_argument("--spline-input", action="store_true",
                           help="superres: interpolate the input by cubic spline first and learn a residual at the output rate (the reference's variant)")
    translate.add_argument("--upsample", choices=UPSAMPLERS, default=None,
                           help="the U-Net's up-sampling, over samples or STFT frames (default the preset's, subpixel; "
                                "sinc: band-limited interpolation + convolution)")
    translate.add_argument("--downsample", choices=DOWNSAMPLERS, default=None,
                           help="the U-Net's down-sampling (default the preset's, strided; antialiased: low-pass first, nothing folds back)")
    translate.add_argument("--domain", choices=DOMAINS, default="waveform",
                           help="waveform: the U-Net maps samples to samples; spectral: a U-Net over STFT frames gives each bin a gain "
                                "within +-40 dB (a learned Wiener filter; enhance and decorrupt); equaliser: the same U-Net's gains averaged over "
                                "the window's frames, one per bin (a learned inverse filter) (default waveform)")
    translate.add_argument("--activations", choices=ACTIVATIONS, default=None,
                           help="the U-Net's non-linearities: pointwise LeakyReLU/ReLU (the preset's), the same alias-free "
                                "(at twice the rate, low-passed back), or smooth (GELU-shaped: their harmonics fall off fast)")
    translate.add_argument("--filter-taps", type=options.integer(2), default=None,
                           help="taps per unit of factor (even) of the fixed low-pass filters of antialiased, sinc and alias-free "
                                "(default 12; 48 makes their transition band 4x narrower, so less folds into lines)")
    translate.add_argument("--reconstruction", choices=["l1", "l2"], default="l1", help="sample-wise loss (default l1)")
    translate.add_argument("--reconstruction-weight", type=options.number(0.0), default=100.0, help="its weight (default 100, as SEGAN)")
    translate.add_argument("--stft-weight", type=options.number(0.0), default=0.0, help="weight of the multi-resolution STFT loss (default 0)")
    translate.add_argument("--adversarial-weight", type=options.number(0.0), default=1.0,
                           help="weight of the adversarial loss (default 1; 0: no discriminator)")
    translate.add_argument("--loss", choices=["lsgan", "hinge", "nonsaturating"], default="lsgan", help="adversarial loss (default lsgan)")
    translate.add_argument("--discriminator", choices=DISCRIMINATORS, default="patch",
                           help="patch: pix2pix's (multi-scale with a preset's scales); periods: HiFi-GAN's multi-period one; both: "
                                "multi-period and three-scale patch (default patch)")
    translate.add_argument("--feature-matching-weight", type=options.number(0.0), default=0.0,
                           help="weight of the feature-matching loss on the discriminator's hidden features (default 0; HiFi-GAN: 2)")
    frames = sub.add_parser("frames", help="train an autoregressive model over a basis's short-time frames: maximum likelihood or a GAN")
    _training_arguments(frames)
    frames.add_argument("--basis", type=Path, default=None, metavar="BASIS", help="a basis .npz (wavecraft learn); required unless --resume")
    frames.add_argument("--hop", type=options.integer(1), default=None,
                        help="H, samples between frames (default M/2 with sqrt-Hann windows; H = M uses rectangular ones)")
    frames.add_argument("--model", choices=OBJECTIVES, default="ml",
                        help="ml: a causal network predicting a distribution per coefficient; gan: a causal generator against a "
                             "discriminator of frame windows (default ml)")
    frames.add_argument("--distribution", choices=DISTRIBUTIONS, default=None, help="ml: each coefficient's distribution (default gauss)")
    frames.add_argument("--past-noise", type=options.number(0.0), default=None,
                        help="ml: noise added to the past it learns from, in units of each coefficient's spread, so that its own "
                             "roll-outs do not run away (default 0.2)")
    frames.add_argument("--loss", choices=LOSSES, default=None, help="gan: the adversarial loss (default hinge)")
    wavenet = sub.add_parser("wavenet", help="train a WaveNet on raw samples: unconditional, for the corpus's labels, or on mel features (a vocoder)")
    _training_arguments(wavenet)
    wavenet.add_argument("--condition", choices=CONDITIONS, default="none",
                         help="label: the corpus's labels (generate --label); mel: dB mel envelopes of 20 ms frames every 10 ms, "
                              "making it a neural vocoder (wavecraft vocode); default none")
    wavenet.add_argument("--output", choices=OUTPUTS, default="softmax",
                         help="softmax over 256 mu-law classes (the paper's) or a mixture of 10 logistics on 16-bit levels (default softmax)")
    wavenet.add_argument("--mels", type=options.integer(2, 256), default=32, help="mel: bands of the features (default 32)")
    wavenet.add_argument("--layers", type=options.integer(1, 16), default=None, help="layers per cycle, dilations 1 .. 2^(L-1) (default: the preset's)")
    wavenet.add_argument("--cycles", type=options.integer(1, 16), default=None, help="dilation cycles (default: the preset's)")
    wavenet.add_argument("--residual", type=options.integer(1, 1024), default=None, help="residual channels (default: the preset's)")
    wavenet.add_argument("--skip", type=options.integer(1, 1024), default=None, help="skip channels (default: the preset's)")
    recogniser = sub.add_parser("recogniser", help="train a phoneme recogniser (front end, convolutions, bidirectional GRUs, CTC) on the voices "
                                                   "or phonemes corpus: the judge of every TTS (wavecraft recognise)")
    _training_arguments(recogniser)
    recogniser.add_argument("--frontend", choices=FRONTENDS, default="logmel",
                            help="logmel (fixed), sinc (SincNet) or a raw-waveform conv filter bank started from random, DFT or ICA kernels "
                                 "(default logmel)")
    seq2seq = sub.add_parser("seq2seq", help="train a sequence-to-sequence phoneme autoencoder (GRU encoder -> one embedding -> GRU decoder) "
                                             "on the phonemes corpus's texts: the text embedding of train tts --model cgan")
    _training_arguments(seq2seq)
    seq2seq.add_argument("--no-phrases", action="store_true",
                         help="train on the corpus's texts alone, without the phrases of Python's documentation phonemised by espeak-ng")
    tts = sub.add_parser("tts", help="train text-to-speech on the phonemes corpus: dB mel envelope frames from espeak-ng's timed phonemes "
                                     "(pix2pix-frames) or from a text embedding and noise (cgan, cgan-projection); wavecraft speak")
    _training_arguments(tts)
    tts.add_argument("--model", choices=TTS_MODELS + SPEECH_GAN_MODELS, default="pix2pix-frames",
                     help="pix2pix-frames: a 1-D U-Net from timed phoneme frames, L1 + a conditional patch discriminator; cgan: a generator "
                          "from the seq2seq embedding and z against a discriminator that reads speech as phonemes or 'fake' (CTC through "
                          "the frozen decoder); cgan-projection: the same generator, a projection discriminator (default pix2pix-frames)")
    tts.add_argument("--seq2seq", type=Path, default=None, metavar="RUN",
                     help="cgan models: the wavecraft train seq2seq run whose encoder (and decoder) they use")
    tts.add_argument("--mels", type=options.integer(2, 256), default=32, help="bands of the envelope (default 32: a mel WaveNet's default features)")
    tts.add_argument("--reconstruction-weight", type=options.number(0.0), default=100.0, help="pix2pix-frames: weight of L1 on normalised frames (default 100)")
    tts.add_argument("--adversarial-weight", type=options.number(0.0), default=1.0,
                     help="pix2pix-frames: weight of the adversarial loss (default 1; 0: L1 alone)")
    tts.add_argument("--feature-matching-weight", type=options.number(0.0), default=0.0,
                     help="pix2pix-frames: weight of the feature-matching loss on the discriminator's hidden features (default 0)")
    tdnn = sub.add_parser("tdnn", help="train Waibel et al.'s time-delay neural network to classify phonemes from 15 frames of 16 log-mel "
                                       "bands, on the voices or phonemes corpus (wavecraft listen RUN scores it)")
    _training_arguments(tdnn)
    tdnn.add_argument("--phonemes", type=options.names, default=("b", "d", "g"),
                      help="comma-separated espeak-ng phonemes to tell apart, or 'all' (default b,d,g: the paper's task)")
    chords = sub.add_parser("chords", help="train Humphrey & Bello's chord recogniser (a CNN on 5 s of constant-Q spectrogram, 12 major, "
                                           "12 minor and other) on the chords corpus (wavecraft listen RUN scores it)")
    _training_arguments(chords)
    chords.add_argument("--head", choices=HEADS, default="plain",
                        help="plain: one linear layer over every semitone's features; equivariant: the same weights for every root "
                             "(default plain)")
    chords.add_argument("--roots", type=options.names, default=None,
                        help="comma-separated roots of the major and minor chords to train on, e.g. C,F,G (default all 12)")
    melody = sub.add_parser("melody", help="train a model of scores (the maximum-likelihood LSTM, C-RNN-GAN or SeqGAN) on a collection: "
                                           "the soprano lines or the four voices of the chorales (wavecraft generate RUN writes MIDI and WAV)")
    _training_arguments(melody)
    melody.add_argument("--model", choices=MELODY_MODELS, default="lstm",
                        help="lstm: maximum likelihood over grid tokens; crnngan: Mogren's GAN over note tuples; "
                             "seqgan: the LSTM as a policy with Monte-Carlo rewards (default lstm)")
    melody.add_argument("--voices", choices=list(VOICE_SETS), default="soprano", help="soprano: the top line; all: the four voices (default soprano)")
    melody.add_argument("--window", type=options.integer(16, 4096), default=None,
                        help=f"grid steps a training window (C-RNN-GAN: onsets; default the preset's, {CRNNGAN_WINDOW} onsets for C-RNN-GAN)")
    melody.add_argument("--pretrain", type=options.integer(0), default=None,
                        help="C-RNN-GAN and SeqGAN: steps of maximum likelihood (C-RNN-GAN: squared error) before the adversarial ones "
                             "(default the preset's, 1000)")
    transcriber = sub.add_parser("transcriber", help="train a piano transcriber on the chorales corpus: a frame-level acoustic model on "
                                                     "the CQT and an RNN musical language model on the piano rolls (wavecraft listen RUN "
                                                     "decodes with and without it)")
    _training_arguments(transcriber)
    drums = sub.add_parser("drum-transcriber", help="train a drum transcriber (Vogl et al.'s convolutional recurrent network on log-mel frames) "
                                                    "on loops sequenced afresh at every step from a corpus of one-shots, e.g. drums "
                                                    "(wavecraft listen RUN scores it on held-out kits and on the labelled real loops)")
    _training_arguments(drums)
    drums.set_defaults(sr=22_050)
    drums.add_argument("--drums", type=options.names, default=None,
                       help=f"comma-separated classes to transcribe, the others heard as distractors (default {','.join(DRUMS_TRANSCRIBED)})")


def _training_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every ``train`` model shares."""
    parser.add_argument("corpus", metavar="CORPUS", help="e.g. drums, digits, speech-en, folder:./sounds")
    parser.add_argument("--preset", choices=PRESETS, default="small", help="small (CPU-sized) or paper (default small)")
    parser.add_argument("--sr", type=options.rate, default=16_000,
                        help="rate to train at, Hz (default 16000, drum-transcriber 22050; speech-en, speech-fr and music are 8000 Hz)")
    options.shared(parser, out="run folder: config.json, checkpoints/, log.csv, tensorboard/", seeds="everything random", force="replace --out")
    parser.add_argument("--steps", type=options.integer(1), default=1000, help="steps to reach (default 1000)")
    parser.add_argument("--minutes", type=options.duration, default=None, help="stop (with a checkpoint) after this much training time")
    parser.add_argument("--precision", choices=PRECISIONS, default="auto",
                        help="bf16: mixed precision (autocast); auto (the default) uses bf16 only where this machine runs it faster than fp32")
    parser.add_argument("--average", type=options.number(0.0, 1.0), default=None, metavar="DECAY",
                        help="score, hear and export an exponential moving average of the weights with this decay per step, e.g. 0.999 "
                             "(about the last 1000 steps, a tenth of those taken until then); 0: the trained weights (the default, but "
                             "drum-transcriber 0.999)")
    parser.add_argument("--checkpoint-every", type=options.integer(1), default=100, help="steps between checkpoints (default 100)")
    parser.add_argument("--checkpoint-minutes", type=options.duration, default=None, help="also checkpoint whenever this much time has passed since the last")
    parser.add_argument("--keep", type=options.integer(1), default=3, help="checkpoints kept besides the best (default 3)")
    parser.add_argument("--threads", type=options.integer(1, 1024), default=None,
                        help="torch threads per process (default: torch's own count, one per core, divided among torchrun's processes; "
                             "fewer when other work shares the cores)")
    parser.add_argument("--resume", action="store_true", help="continue --out from its last checkpoint")
    parser.set_defaults(run=run_train)


def run_train(args: argparse.Namespace) -> int:
    """Train or resume a run of any kind."""
    if args.resume and args.force:
        raise InvalidParameterError("--resume continues a run and --force replaces it; choose one")
    torch.set_num_threads(args.threads or threads_per_process())
    # under torchrun: rank 0 opens the corpus first (it may generate or fetch it), the others then find it
    corpus = main_first(lambda: open_corpus(args.corpus), join(default_device())) if args.train_command != "melody" else collection_corpus(args.corpus)
    config = read_run_config(args.out)[0] if args.resume else _config(args, corpus)
    schedule = Schedule(args.steps, args.minutes, args.checkpoint_every, args.checkpoint_minutes, args.keep)
    trainer = train_run(corpus, args.out, config, schedule, resume=args.resume, force=args.force)
    if trainer.world.main:
        losses = next(h for h in reversed(trainer.history) if "steps_per_second" in h)
        shown = ", ".join(f"{k} {v:.4f}" for k, v in losses.items() if k.endswith("loss"))
        name, value = next((k, v) for k, v in trainer.best.items() if k != "step")
        print(f"wrote {args.out}: step {trainer.step}, {shown}, {losses['steps_per_second']:.2f} steps/s, "
              f"best {name} {value:.3f} at step {trainer.best['step']}")
    return 0


def _config(args: argparse.Namespace, corpus: Corpus) -> TrainConfig:
    """The preset of the asked model with the command line's changes."""
    changes = {"seed": args.seed, "precision": args.precision, "sample_rate": args.sr}
    changes |= {"average": args.average} if args.average is not None else {}
    if args.train_command == "vae":
        return preset("vae", args.preset, **changes)
    if args.train_command == "wavenet":
        model = {"condition": args.condition, "output": args.output, "mels": args.mels, "hop": framing(args.sr)[1]}
        model |= {name: getattr(args, name) for name in ("layers", "cycles", "residual", "skip") if getattr(args, name) is not None}
        labels = class_names(corpus) if args.condition == "label" else ()
        return preset("wavenet", args.preset, labels=labels, model_changes=model, **changes)
    if args.train_command == "recogniser":
        return preset("recogniser", args.preset, model_changes={"phonemes": _inventory(corpus), "frontend": args.frontend},
                      groups=_tags(corpus, HELD_OUT_TAGS), **changes)
    if args.train_command == "seq2seq":
        return preset("seq2seq", args.preset, model_changes={"phonemes": _inventory(corpus), "phrases": not args.no_phrases},
                      groups=_tags(corpus, ("text",)), **changes)
    if args.train_command == "tts":
        return _tts_config(args, corpus, changes)
    if args.train_command == "tdnn":
        return _tdnn_config(args, corpus, changes)
    if args.train_command == "chords":
        return _chords_config(args, corpus, changes)
    if args.train_command == "melody":
        model = {"model": args.model, "collection": args.corpus, "voices": VOICE_SETS[args.voices]}
        window = args.window or (CRNNGAN_WINDOW if args.model == "crnngan" else None)
        model |= ({"window": window} if window else {}) | ({"pretrain": args.pretrain} if args.pretrain is not None else {})
        return preset("melody", args.preset, model_changes=model, **changes)
    if args.train_command == "transcriber":
        if args.sr != 16_000:
            raise InvalidParameterError(f"train transcriber at 16000 Hz (its CQT's hop of 32 ms is 512 samples there), not --sr {args.sr}")
        return preset("transcriber", args.preset, groups=_tags(corpus, ("piece",)), **changes)
    if args.train_command == "drum-transcriber":
        return _drum_config(args, corpus, changes)
    if args.train_command == "frames":
        return preset("frames", args.preset, model_changes=_frame_shape(args), **changes, **({"loss": args.loss} if args.loss else {}))
    if args.train_command == "translate":
        task = TaskConfig(args.task, args.factor if args.task == "superres" else 1, args.decimation, tuple(args.snr), tuple(args.noise))
        model = {"task": task, "reconstruction": args.reconstruction, "reconstruction_weight": args.reconstruction_weight,
                 "stft_weight": args.stft_weight, "adversarial_weight": args.adversarial_weight, "spline_input": args.spline_input,
                 "discriminator": args.discriminator, "feature_matching_weight": args.feature_matching_weight,
                 "upsample": args.upsample, "downsample": args.downsample, "activations": args.activations,
                 "filter_taps": args.filter_taps, "domain": args.domain}
        return preset("translate", args.preset, model_changes=model, loss=args.loss, **changes)
    conditional = args.conditional
    changes |= {"labelled": args.labelled, "loss": args.loss or ("nonsaturating" if conditional == "semi" else "wgan-gp")}
    labels = class_names(corpus) if conditional != "none" else ()
    critics = {"discriminator": args.discriminator, "feature_matching_weight": args.feature_matching_weight}
    critics |= {"length": args.length} if args.length else {}
    if args.model != "wavegan" and (args.discriminator != "wavegan" or args.feature_matching_weight or args.length):
        raise InvalidParameterError("--length, --discriminator hifigan and --feature-matching-weight are WaveGAN's (a SpecGAN's critic sees spectrograms)")
    return preset(args.model, args.preset, conditional=conditional, labels=labels,
                  model_changes=critics if args.model == "wavegan" else None, **changes)


def _tts_config(args: argparse.Namespace, corpus: Corpus, changes: dict) -> TrainConfig:
    """A frame TTS (``pix2pix-frames``) or a speech GAN (``cgan``, ``cgan-projection``, on a seq2seq run of the same inventory)."""
    phonemes = _inventory(corpus)
    if any(e.channels != 2 for e in corpus):
        raise InvalidParameterError(f"{args.corpus} is not a corpus of speech and its phoneme signal (two channels): train tts on phonemes")
    if any(e.sample_rate != args.sr for e in corpus):  # resampling would ring across the phoneme signal's steps
        raise InvalidParameterError(f"train tts at the corpus's own rate ({corpus.entries[0].sample_rate} Hz), not --sr {args.sr}")
    shape, groups = {"model": args.model, "mels": args.mels, "hop": framing(args.sr)[1]}, _tags(corpus, ("text",))
    if args.model in TTS_MODELS:
        model = shape | {"phonemes": phonemes, "reconstruction_weight": args.reconstruction_weight, "adversarial_weight": args.adversarial_weight,
                         "feature_matching_weight": args.feature_matching_weight}
        return preset("tts", args.preset, model_changes=model, groups=groups, **changes)
    if args.seq2seq is None:
        raise InvalidParameterError(f"--model {args.model} needs --seq2seq RUN: a wavecraft train seq2seq run on {args.corpus}")
    seq2seq = load_run(args.seq2seq, "best", "seq2seq", "a seq2seq autoencoder")[0].model
    if seq2seq.phonemes != phonemes:
        raise InvalidParameterError(f"{args.seq2seq} knows other phonemes than {args.corpus}: train it on the same corpus")
    return preset("tts-gan", args.preset, model_changes=shape | {"seq2seq": seq2seq, "seq2seq_run": str(args.seq2seq.resolve())},
                  groups=groups, **changes)


def _tdnn_config(args: argparse.Namespace, corpus: Corpus, changes: dict) -> TrainConfig:
    """A TDNN on the asked phonemes (all of the corpus's with ``all``), holding out texts where the files have them.

    Texts, not voices: the paper's task was speaker-dependent, and held-out texts in every voice give ten times the tokens to score.
    """
    inventory = _inventory(corpus)
    phonemes = inventory if args.phonemes == ("all",) else args.phonemes
    unknown = sorted(set(phonemes) - set(inventory))
    if unknown:
        raise InvalidParameterError(f"{args.corpus} never says {' '.join(unknown)}; its phonemes are {' '.join(inventory)}")
    channels = {e.channels for e in corpus}
    return preset("tdnn", args.preset, model_changes={"phonemes": phonemes, "channels": max(channels) if len(channels) == 1 else 1},
                  groups=_tags(corpus, ("text",)), **changes)


def _chords_config(args: argparse.Namespace, corpus: Corpus, changes: dict) -> TrainConfig:
    """A chord recogniser on the 25 labels, holding out instruments (``program``) where the files have that tag."""
    if args.sr != 16_000:
        raise InvalidParameterError(f"train chords at 16000 Hz (its CQT's hop of 25 ms is 400 samples there), not --sr {args.sr}")
    names = set(class_names(corpus)) | {e.label for e in corpus}
    if not names & set(LABELS[:24]):
        raise InvalidParameterError(f"{args.corpus} has no file labelled with a major or minor chord (C:maj ... B:min): use the chords corpus")
    model = {"head": args.head} | ({"roots": args.roots} if args.roots else {})
    return preset("chords", args.preset, labels=LABELS, model_changes=model, groups=_tags(corpus, ("program",)), **changes)


def _drum_config(args: argparse.Namespace, corpus: Corpus, changes: dict) -> TrainConfig:
    """A drum transcriber of the asked drums, hearing every class of the corpus; held-out kits where the files have that tag."""
    heard = tuple(sorted({e.label for e in corpus}))
    drums = args.drums or tuple(d for d in DRUMS_TRANSCRIBED if d in heard)
    unknown = sorted(set(drums) - set(heard))
    if unknown or not drums:
        raise InvalidParameterError(f"{args.corpus} has no one-shots labelled {', '.join(unknown) or ', '.join(DRUMS_TRANSCRIBED)}; "
                                    f"its labels: {', '.join(heard)}")
    return preset("drum-transcriber", args.preset, model_changes={"drums": drums, "heard": heard}, groups=_tags(corpus, ("kit",)), **changes)


def _inventory(corpus: Corpus) -> tuple[str, ...]:
    """The phonemes the corpus's ``phonemes.json`` gives its files, sorted: a recogniser's outputs, a TTS's inputs."""
    return tuple(sorted({p for t in transcripts(corpus).values() for p in t}))


def _tags(corpus: Corpus, tags: tuple[str, ...]) -> tuple[str, ...]:
    """Those of ``tags`` that every file of the corpus has: what a run holds out by (none: it splits by file)."""
    return tuple(tag for tag in tags if all(tag in e.tags for e in corpus))


def _frame_shape(args: argparse.Namespace) -> dict:
    """The frame model's basis fields from ``--basis`` and ``--hop``, refusing a hop past the frame or a basis of another rate."""
    if args.basis is None:
        raise InvalidParameterError("train frames needs --basis: a basis .npz from wavecraft learn (or --resume)")
    basis = Basis.load(args.basis)
    hop = args.hop or max(1, basis.M // 2)
    if hop > basis.M:
        raise InvalidParameterError(f"--hop {hop} is longer than the basis's frames of M = {basis.M} samples: frames would leave gaps")
    if basis.sample_rate not in (0, args.sr):
        raise InvalidParameterError(f"{args.basis} was learned at {basis.sample_rate} Hz and --sr is {args.sr}: train at the basis's rate")
    shape = {"M": basis.M, "N": basis.N, "hop": hop, "window": "rect" if hop == basis.M else "sqrt-hann", "basis": str(args.basis.resolve()),
             "objective": args.model, "distribution": args.distribution, "past_noise": args.past_noise}
    return {name: value for name, value in shape.items() if value is not None}
