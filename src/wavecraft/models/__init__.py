"""Neural models on raw audio, each an ``nn.Module`` with a frozen config dataclass saved beside its weights."""

from wavecraft.models.checkpoint import load_classifier, save_classifier
from wavecraft.models.classifier import Classifier, ClassifierConfig, build_classifier, classify
from wavecraft.models.conditioning import CONDITIONALS, DiscriminatorHead, LabelledLatent
from wavecraft.models.frontends import FRONTENDS
from wavecraft.models.specgan import SpecGANConfig, SpecGANDiscriminator, SpecGANGenerator, SpectrogramCodec
from wavecraft.models.vae import VAEConfig, WaveVAE
from wavecraft.models.wavegan import PhaseShuffle, WaveGANConfig, WaveGANDiscriminator, WaveGANGenerator
from wavecraft.models.wavenet import WaveNet, WaveNetConfig

__all__ = [
    "CONDITIONALS",
    "FRONTENDS",
    "Classifier",
    "ClassifierConfig",
    "DiscriminatorHead",
    "LabelledLatent",
    "PhaseShuffle",
    "SpecGANConfig",
    "SpecGANDiscriminator",
    "SpecGANGenerator",
    "SpectrogramCodec",
    "VAEConfig",
    "WaveGANConfig",
    "WaveGANDiscriminator",
    "WaveGANGenerator",
    "WaveNet",
    "WaveNetConfig",
    "WaveVAE",
    "build_classifier",
    "classify",
    "load_classifier",
    "save_classifier",
]
