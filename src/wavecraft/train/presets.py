"""The registry of training presets: ``paper`` (faithful to each model's reference) and ``small`` (trains visibly on a CPU in minutes).

Every ``wavecraft train`` command reads its settings from :func:`preset`;
a new model adds its two architectures to :data:`PRESET_MODELS` and, where
its training differs from a GAN's, its settings to :func:`training_settings`.

Examples
--------
>>> config = preset("wavegan", "small", seed=3)
>>> config.kind, config.model.d, config.length, config.batch_size, config.seed
('wavegan', 16, 4096, 32, 3)
"""

from __future__ import annotations

from dataclasses import replace

from wavecraft.errors import InvalidParameterError
from wavecraft.models.chords import ChordConfig
from wavecraft.models.drumtranscriber import DrumTranscriberConfig
from wavecraft.models.frames import FrameConfig
from wavecraft.models.melody import MelodyConfig
from wavecraft.models.recogniser import RecogniserConfig
from wavecraft.models.seq2seq import Seq2SeqConfig
from wavecraft.models.specgan import SpecGANConfig
from wavecraft.models.speechgan import SpeechGANConfig
from wavecraft.models.tdnn import TDNNConfig
from wavecraft.models.transcriber import TranscriberConfig
from wavecraft.models.tts import TTSConfig
from wavecraft.models.vae import VAEConfig
from wavecraft.models.wavegan import WaveGANConfig
from wavecraft.models.wavenet import WaveNetConfig
from wavecraft.train.config import MODEL_KINDS, ModelConfig, TrainConfig
from wavecraft.translate.config import TranslationConfig
from wavecraft.translate.masking import spectral_unet
from wavecraft.translate.unet import UNetConfig

PRESETS = ("paper", "small")
SMALL_WAVEGAN = WaveGANConfig(d=16, length=4096)
#: (kind, preset) -> the architecture
PRESET_MODELS: dict[tuple[str, str], ModelConfig] = {
    ("wavegan", "paper"): WaveGANConfig(),
    ("wavegan", "small"): SMALL_WAVEGAN,
    ("specgan", "paper"): SpecGANConfig(),
    ("specgan", "small"): SpecGANConfig(d=16, length=4096, n_fft=128),
    ("vae", "paper"): VAEConfig(),
    ("vae", "small"): VAEConfig(SMALL_WAVEGAN),
    ("translate", "paper"): TranslationConfig(unet=UNetConfig(depth=5, channels=32, max_channels=512, kernel=25, stride=4), length=16384),
    ("translate", "small"): TranslationConfig(unet=UNetConfig(depth=4, channels=16, kernel=15, stride=4), length=8192),
    ("frames", "paper"): FrameConfig(context=224, frames=32, channels=256, layers=7),
    ("frames", "small"): FrameConfig(),
    ("wavenet", "paper"): WaveNetConfig(layers=10, cycles=3, residual=64, skip=256, length=8192),
    ("wavenet", "small"): WaveNetConfig(layers=9, cycles=2, residual=32, skip=64, length=4096),
    ("recogniser", "paper"): RecogniserConfig(bands=64, width=256, hidden=256, layers=3),
    ("recogniser", "small"): RecogniserConfig(),
    ("tts", "paper"): TTSConfig(frames=256, unet=UNetConfig(depth=4, channels=256, max_channels=512, kernel=5, stride=2, residual=False)),
    ("tts", "small"): TTSConfig(),
    ("seq2seq", "paper"): Seq2SeqConfig(embedding=256, hidden=512, tokens=128),
    ("seq2seq", "small"): Seq2SeqConfig(),
    ("tts-gan", "paper"): SpeechGANConfig(channels=512, discriminator_channels=256),
    ("tts-gan", "small"): SpeechGANConfig(),
    ("tdnn", "paper"): TDNNConfig(),
    ("tdnn", "small"): TDNNConfig(hidden=32),
    ("chords", "paper"): ChordConfig(channels=64),
    ("chords", "small"): ChordConfig(),
    ("transcriber", "paper"): TranscriberConfig(hidden=512, language_hidden=256),
    ("transcriber", "small"): TranscriberConfig(),
    ("melody", "paper"): MelodyConfig(hidden=512, window=128),
    ("melody", "small"): MelodyConfig(),
    ("drum-transcriber", "paper"): DrumTranscriberConfig(channels=32, hidden=60, layers=3),
    ("drum-transcriber", "small"): DrumTranscriberConfig(),
}


def training_settings(kind: str, name: str, model: ModelConfig) -> dict:
    """The optimiser, loss and batch settings of a preset, as :class:`TrainConfig` fields.

    GANs: WGAN-GP (λ = 10), Adam 1e-4, β = (0.5, 0.9), 5 critic steps, batch 64 (paper) or 32 (small);
    the VAE: Adam 3e-4, β = (0.9, 0.999); translation as pix2pix: Adam 2e-4, β = (0.5, 0.999), LSGAN,
    one discriminator step, batch 32 or 16, 10 % of the files held out. Frame models: batch 64 or 32;
    maximum likelihood with Adam 1e-3, β = (0.9, 0.999); the frame GAN hinge loss, Adam 2e-4,
    β = (0.5, 0.9), one discriminator step (each step of either network rolls out ``frames`` frames).
    WaveNet: maximum likelihood, Adam 1e-3, β = (0.9, 0.999), batch 16 or 8, 10 % of the files held out to score it on.
    The recogniser: CTC, Adam 1e-3, β = (0.9, 0.999), batch 32 or 16 utterances, 10 % held out.
    TTS over frames as pix2pix: Adam 2e-4, β = (0.5, 0.999), LSGAN, one discriminator step, batch 32 or 16, 10 % held out.
    The seq2seq autoencoder: Adam 1e-3, β = (0.9, 0.999), batch 128 or 64 texts, 10 % held out. The speech GAN: Adam 1e-3,
    β = (0.9, 0.999) (with β1 = 0.5 or a rate of 2e-4 its discriminator never learns to read in a few hundred steps), hinge loss
    (of the projection discriminator), two discriminator steps per generator step, batch 32 or 16, 10 % held out.
    The TDNN: cross-entropy, Adam 1e-3, β = (0.9, 0.999), batch 64 tokens, 10 % held out. The chord recogniser: cross-entropy,
    Adam 1e-3, β = (0.9, 0.999), batch 32 or 16 clips, 15 % held out. The transcriber: binary cross-entropy for both of its models,
    Adam 1e-3, β = (0.9, 0.999), batch 64 or 32 (frames, and language-model windows), 15 % of the pieces held out. Melody models:
    cross-entropy (C-RNN-GAN: squared error, then the adversarial game), Adam 1e-3, β = (0.9, 0.999), batch 64 or 32 windows, one
    discriminator step a step (SeqGAN's discriminator reads short windows and wins within a few steps), 10 % of the pieces held out.
    The drum transcriber: binary cross-entropy, Adam 1e-3, β = (0.9, 0.999), batch 16 or 8 loops, 20 % of the one-shots (whole kits) held out,
    its weights averaged with a decay of 0.999 (its trained weights' scores on real loops wander from checkpoint to checkpoint).
    """
    if kind == "melody":
        return {"batch_size": 64 if name == "paper" else 32, "learning_rate": 1e-3, "betas": (0.9, 0.999), "critic_steps": 1, "held_out": 0.1}
    if kind == "drum-transcriber":
        return {"batch_size": 16 if name == "paper" else 8, "learning_rate": 1e-3, "betas": (0.9, 0.999), "held_out": 0.2, "average": 0.999}
    if kind == "transcriber":
        return {"batch_size": 64 if name == "paper" else 32, "learning_rate": 1e-3, "betas": (0.9, 0.999), "held_out": 0.15}
    if kind == "chords":
        return {"batch_size": 32 if name == "paper" else 16, "learning_rate": 1e-3, "betas": (0.9, 0.999), "held_out": 0.15}
    if kind == "tdnn":
        return {"batch_size": 64, "learning_rate": 1e-3, "betas": (0.9, 0.999), "held_out": 0.1}
    if kind == "seq2seq":
        return {"batch_size": 128 if name == "paper" else 64, "learning_rate": 1e-3, "betas": (0.9, 0.999), "held_out": 0.1}
    if kind == "tts-gan":
        return {"batch_size": 32 if name == "paper" else 16, "learning_rate": 1e-3, "betas": (0.9, 0.999), "loss": "hinge",
                "critic_steps": 2, "held_out": 0.1}
    if kind == "tts":
        return {"batch_size": 32 if name == "paper" else 16, "learning_rate": 2e-4, "betas": (0.5, 0.999), "loss": "lsgan",
                "critic_steps": 1, "held_out": 0.1}
    if kind == "recogniser":
        return {"batch_size": 32 if name == "paper" else 16, "learning_rate": 1e-3, "betas": (0.9, 0.999), "held_out": 0.1}
    if kind == "wavenet":
        return {"batch_size": 16 if name == "paper" else 8, "learning_rate": 1e-3, "betas": (0.9, 0.999), "held_out": 0.1}
    if kind == "frames":
        settings = {"batch_size": 64 if name == "paper" else 32}
        if model.objective == "ml":
            return settings | {"learning_rate": 1e-3, "betas": (0.9, 0.999)}
        return settings | {"learning_rate": 2e-4, "loss": "hinge", "critic_steps": 1}
    if kind == "translate":
        return {"batch_size": 32 if name == "paper" else 16, "learning_rate": 2e-4, "betas": (0.5, 0.999), "loss": "lsgan",
                "critic_steps": 1, "held_out": 0.1}
    settings = {"batch_size": 64 if name == "paper" else 32}
    if kind == "vae":
        settings |= {"learning_rate": 3e-4, "betas": (0.9, 0.999)}
    return settings


def preset(kind: str, name: str, *, conditional: str = "none", labels: tuple[str, ...] = (), model_changes: dict | None = None,
           **changes) -> TrainConfig:
    """The ``paper`` or ``small`` settings of a model kind, with changes.

    Parameters
    ----------
    kind : {"wavegan", "specgan", "vae", "translate", "frames", "wavenet", "recogniser", "tts", "seq2seq", "tts-gan", "tdnn", "chords", "transcriber",
            "melody", "drum-transcriber"}
        The model.
    name : {"paper", "small"}
        The preset: ``paper`` is d = 64, 16384 samples, batch 64 for the GANs; ``small`` d = 16, 4096 samples,
        batch 32 (translation: a U-Net of depth 4, 16 channels, kernel 15, stride 4, 8192-sample windows, batch 16;
        frame models: 128 channels, 5 causal layers (32 frames seen), windows of 48 + 16 frames; ``paper`` 256, 7 (128) and 224 + 32;
        WaveNet: 2 cycles of 9 layers (1024 samples seen), 32 residual and 64 skip channels, 4096-sample clips, batch 8;
        ``paper`` 3 cycles of 10 (3071 samples), 64 and 256, 8192 samples, batch 16, the size of common reimplementations:
        the paper does not give its own; the recogniser: 40 log-mel bands, 128-channel convolutions, 2 bidirectional GRUs of 128,
        batch 16; ``paper`` 64, 256, 3 of 256, batch 32, a Deep Speech 2 scaled to a phoneme task; TTS over frames: a U-Net of depth 3,
        128 channels, kernel 5, stride 2 on 128-frame windows, batch 16; ``paper`` depth 4, 256, 256 frames, batch 32; the seq2seq
        autoencoder: embedding 128, GRUs of 256, phoneme embeddings of 64, batch 64; ``paper`` 256, 512, 128, batch 128; the speech GAN:
        a 256-frame window from 16 frames, 256 channels halving to 64, discriminator convolutions of 128, batch 16; ``paper`` 512, 256, batch 32;
        the TDNN: 16 mel bands, 15 frames, time delays of 3 and 5 frames, 32 first-layer units; ``paper`` Waibel et al.'s 8;
        the chord recogniser: convolutions of 32 channels, batch 16; ``paper`` 64, batch 32; the transcriber: an acoustic model of two
        layers of 256 on 7 frames, a GRU of 128, batch 32; ``paper`` 512, 256, batch 64; the melody LSTM: embedding 64, two LSTMs of
        256, windows of 64 steps, batch 32; ``paper`` 512, 128 steps, batch 64; the drum transcriber: convolutions of 16 and 32
        channels, two bidirectional GRU layers of 48, 80 mel bands, 3-s loops, batch 8; ``paper`` Vogl et al.'s 32 and 64, three
        layers of 60, batch 16).
    conditional : str, default="none"
        A class-conditional GAN (``cgan``, ``acgan``, ``semi``) on ``labels``; a WaveNet's conditioning
        goes in ``model_changes`` (``condition``; ``classes`` follows ``labels``).
    labels : tuple of str, default=()
        Its class names, in label order.
    model_changes : dict, optional
        Architecture fields to change: ``d`` of a GAN, a WaveGAN's ``discriminator`` and ``feature_matching_weight``,
        the VAE's backbone, a translation model's ``task``,
        loss weights, discriminator, ``domain`` (``spectral``, ``equaliser``: the frame U-Net of
        :func:`~wavecraft.translate.masking.spectral_unet`), and its U-Net's ``spline_input`` (waveform only), ``upsample``,
        ``downsample`` and ``activations`` (the window is cut to a multiple of the task's factor), or a frame
        model's basis shape (``M``, ``N``, ``hop``, ``window``, ``basis``) and ``objective``, a WaveNet's ``condition``, ``output``,
        ``mels`` and ``hop``, a recogniser's ``phonemes`` and ``frontend``, a TTS model's ``phonemes``, ``mels``, ``hop`` and loss weights,
        a seq2seq autoencoder's ``phonemes`` and ``phrases``, a speech GAN's ``model``, ``seq2seq``, ``seq2seq_run``, ``mels`` and ``hop``,
        a TDNN's ``phonemes`` and ``channels``, a chord recogniser's ``head`` and ``roots``, a melody model's ``model``, ``collection``
        and ``voices``, a drum transcriber's ``drums`` and ``heard``.
    **changes
        Any other :class:`TrainConfig` field.

    Returns
    -------
    TrainConfig
    """
    if (kind, name) not in PRESET_MODELS:
        raise InvalidParameterError(f"no preset {name!r} for {kind!r}: kinds {', '.join(MODEL_KINDS)}, presets {', '.join(PRESETS)}")
    model_changes = dict(model_changes or {})
    if kind == "wavenet" and model_changes.get("condition") == "label":
        model_changes["classes"] = len(labels)
    model = _changed(PRESET_MODELS[kind, name], model_changes)
    if conditional != "none":
        if kind in ("vae", "frames", "wavenet"):
            raise InvalidParameterError(f"the {kind} model is unconditional")
        model = replace(model, conditional=conditional, classes=len(labels))
    labels = tuple(labels) or getattr(model, "labels", ())  # a model of fixed classes (the chord recogniser's) names them itself
    return TrainConfig(model=model, labels=labels, **(training_settings(kind, name, model) | changes))


def _changed(model: ModelConfig, changes: dict) -> ModelConfig:
    """The architecture with ``changes``: the VAE's go to its backbone; a translation model's window follows its task's factor."""
    if not changes:
        return model
    if isinstance(model, VAEConfig):
        return replace(model, backbone=replace(model.backbone, **changes))
    if isinstance(model, TranslationConfig):
        task = changes.get("task", model.task)
        changes.setdefault("length", model.length - model.length % task.factor)
        shape = ("spline_input", "upsample", "downsample", "activations", "filter_taps")
        unet = {k: v for k in shape if (v := changes.pop(k, None))}  # None, False: the preset's
        spectral = changes.get("domain", "waveform") != "waveform"
        if unet.get("spline_input") and (task.task != "superres" or spectral):
            raise InvalidParameterError("--spline-input is for --task superres in the waveform domain")
        if spectral:  # the frame U-Net of the STFT's bins replaces the waveform one
            changes.setdefault("unet", spectral_unet(changes.get("n_fft", model.n_fft)))
        if unet:
            changes["unet"] = replace(changes.get("unet", model.unet), **unet)
    return replace(model, **changes)
