"""Audio-to-audio translation (1-D pix2pix): a U-Net generator, the corruptions it learns to undo, and full-length inference."""

from wavecraft.translate.degrade import decimate
from wavecraft.translate.unet import UNet1d, UNetConfig
from wavecraft.translate.windows import translate_long

__all__ = ["UNet1d", "UNetConfig", "decimate", "translate_long"]
