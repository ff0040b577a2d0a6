"""How a model is trained: :class:`TrainConfig`, the one settings object of every training run (saved in its ``config.json``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from wavecraft.configs import from_dict, to_dict
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
from wavecraft.train.precision import PRECISIONS
from wavecraft.translate.config import TranslationConfig

LOSSES = ("wgan-gp", "hinge", "lsgan", "nonsaturating")
MODEL_KINDS = {"wavegan": WaveGANConfig, "specgan": SpecGANConfig, "vae": VAEConfig, "translate": TranslationConfig, "frames": FrameConfig,
               "wavenet": WaveNetConfig, "recogniser": RecogniserConfig, "tts": TTSConfig, "seq2seq": Seq2SeqConfig, "tts-gan": SpeechGANConfig,
               "tdnn": TDNNConfig, "chords": ChordConfig, "transcriber": TranscriberConfig,
               "melody": MelodyConfig, "drum-transcriber": DrumTranscriberConfig}
ModelConfig = (WaveGANConfig | SpecGANConfig | VAEConfig | TranslationConfig | FrameConfig | WaveNetConfig | RecogniserConfig | TTSConfig
               | Seq2SeqConfig | SpeechGANConfig | TDNNConfig | ChordConfig | TranscriberConfig
               | MelodyConfig | DrumTranscriberConfig)


@dataclass(frozen=True)
class TrainConfig:
    """How a generative model is trained; :func:`~wavecraft.train.presets.preset` gives the paper's settings and CPU-sized ones.

    Attributes
    ----------
    model : WaveGANConfig, SpecGANConfig, VAEConfig, TranslationConfig, FrameConfig, WaveNetConfig, RecogniserConfig, TTSConfig,
            Seq2SeqConfig, SpeechGANConfig, TDNNConfig, ChordConfig, TranscriberConfig, MelodyConfig or DrumTranscriberConfig
        The architecture; its type is the run's kind.
    sample_rate, batch_size : int
        Rate of the clips and clips per batch (per process when distributed).
    learning_rate, betas
        Adam's.
    average : float
        Decay of an exponential moving average of every optimised network's weights (Polyak averaging, as
        :class:`torch.optim.swa_utils.AveragedModel` keeps it), the weights a checkpoint is scored, heard and
        exported with; 0 (the default) keeps none and uses the trained weights. 0.999 averages over about the last
        thousand steps (a tenth of those taken, until then), which smooths the wander of a small batch's steps
        (:func:`wavecraft.train.trainer.warming_average`).
    critic_steps : int
        Discriminator updates per generator update (GANs, frame GANs).
    loss : str
        One of :data:`LOSSES` (GANs, frame GANs).
    gradient_penalty : float
        λ of WGAN-GP.
    normalize : bool
        Per-file peak normalisation of the training audio.
    labels : tuple of str
        Class names of a conditional GAN (or the chord recogniser), in label order.
    labelled : float
        Fraction of training files whose labels a semi-supervised discriminator sees.
    precision : {"auto", "fp32", "bf16"}
        bf16 runs the forward passes under autocast (mixed precision); the
        training loop replaces ``auto`` by the faster of the two on its device
        (:func:`~wavecraft.train.precision.resolve_precision`).
    held_out : float
        Fraction of the corpus's files kept out of training to score checkpoints on (translation, WaveNet, recogniser, TTS, seq2seq,
        TDNN, chords, transcriber, drum transcriber; a melody model holds out pieces).
    groups : tuple of str
        Tags whose values are held out whole, each tag split on its own (``text``: no held-out text is
        trained on; ``text`` and ``voice``: the held-out files are held-out texts in held-out voices, the
        training files training texts in training voices, the rest is left out). Empty: split by file.
    seed : int
        Seeds weights, data and latents.
    """

    model: ModelConfig = field(default_factory=WaveGANConfig)
    sample_rate: int = 16_000
    batch_size: int = 64
    learning_rate: float = 1e-4
    betas: tuple[float, float] = (0.5, 0.9)
    average: float = 0.0
    critic_steps: int = 5
    loss: str = "wgan-gp"
    gradient_penalty: float = 10.0
    normalize: bool = True
    labels: tuple[str, ...] = ()
    labelled: float = 1.0
    precision: str = "fp32"
    held_out: float = 0.0
    groups: tuple[str, ...] = ()
    seed: int = 0

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise InvalidParameterError(f"loss must be one of {', '.join(LOSSES)}, not {self.loss!r}")
        if self.precision not in PRECISIONS:
            raise InvalidParameterError(f"precision must be one of {', '.join(PRECISIONS)}, not {self.precision!r}")
        if self.batch_size < 2 or self.critic_steps < 1:
            raise InvalidParameterError("need a batch of at least 2 and at least one critic step")
        if len(self.labels) != self.classes:
            raise InvalidParameterError(f"a model of {self.classes} classes needs as many labels, not {len(self.labels)}")
        if self.conditional == "semi" and self.loss == "wgan-gp":
            raise InvalidParameterError("the semi-supervised discriminator outputs class probabilities: use --loss nonsaturating (or hinge, lsgan)")
        if not 0 <= self.average < 1:
            raise InvalidParameterError(f"average is the decay of a moving average of the weights, in [0, 1), not {self.average}")
        if not 0 <= self.held_out < 1:
            raise InvalidParameterError(f"held_out is a fraction in [0, 1), not {self.held_out}")
        if not 0 < self.labelled <= 1 or (self.labelled < 1 and self.conditional != "semi"):
            raise InvalidParameterError("--labelled is a fraction in (0, 1], below 1 only for a semi-supervised run")

    @property
    def kind(self) -> str:
        """``wavegan``, ``specgan``, ``vae``, ``translate``, ``frames``, ``wavenet``, ``recogniser``, ``tts``, ``seq2seq``, ``tts-gan``,
        ``tdnn``, ``chords``, ``transcriber``, ``melody`` or ``drum-transcriber``."""
        return next(name for name, cls in MODEL_KINDS.items() if isinstance(self.model, cls))

    @property
    def conditional(self) -> str:
        """The GAN's conditional variant (``none`` for every other model; a WaveNet's conditioning is ``model.condition``)."""
        return getattr(self.model, "conditional", "none")

    @property
    def classes(self) -> int:
        """Number of classes of a conditional model."""
        return getattr(self.model, "classes", 0)

    @property
    def length(self) -> int:
        """Samples per clip."""
        return self.model.length

    @property
    def channels(self) -> int:
        """Channels per clip: 2 for paired translation and TTS (speech, phoneme signal), a TDNN's corpus's, else 1."""
        if self.kind == "tdnn":
            return self.model.channels
        return 2 if self.kind in ("tts", "tts-gan") or (self.kind == "translate" and self.model.task.task == "paired") else 1

    def to_json(self) -> dict:
        """A JSON-able dict that :meth:`from_json` reads back: the fields and the model's ``kind``."""
        return {"kind": self.kind, **to_dict(self)}

    @classmethod
    def from_json(cls, payload: dict) -> TrainConfig:
        """The config of :meth:`to_json`."""
        payload = dict(payload)
        kind, model = payload.pop("kind"), payload.pop("model")
        if kind not in MODEL_KINDS:
            raise ValueError(f"unknown model kind {kind!r}")
        return from_dict(cls, payload, model=from_dict(MODEL_KINDS[kind], model))
