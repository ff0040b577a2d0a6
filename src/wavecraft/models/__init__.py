"""Neural models on raw audio, each an ``nn.Module`` with a frozen config dataclass saved beside its weights."""

from wavecraft.models.checkpoint import load_model, save_model
from wavecraft.models.classifier import Classifier, ClassifierConfig, build_classifier, classify
from wavecraft.models.frontends import FRONTENDS
from wavecraft.models.wavegan import PhaseShuffle, WaveGANConfig, WaveGANDiscriminator, WaveGANGenerator

__all__ = [
    "FRONTENDS",
    "Classifier",
    "ClassifierConfig",
    "PhaseShuffle",
    "WaveGANConfig",
    "WaveGANDiscriminator",
    "WaveGANGenerator",
    "build_classifier",
    "classify",
    "load_model",
    "save_model",
]
