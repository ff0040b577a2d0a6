"""Class-conditional GANs: the label enters the generator as an embedding beside z, and the discriminator's head.

Three discriminator heads, on the flattened last feature map ``h``:

- ``"none"``: one adversarial logit, ``dense(h)``.
- ``"cgan"``: a projection discriminator (Miyato & Koyama, 2018): ``dense(h) + <embed(y), h>``.
- ``"acgan"``: the adversarial logit plus N class logits (Odena, Olah & Shlens, 2017), trained to
  classify real and generated clips.
- ``"semi"``: N class logits and an implicit "fake" class with logit 0 (Salimans et al., 2016), so that
  the adversarial logit is ``logsumexp`` of the class logits: the odds of "one of the N classes" against "fake".

The generator of every conditional variant concatenates a learned label embedding to z.
"""

from __future__ import annotations

import torch
from torch import nn

from wavecraft.errors import InvalidParameterError

CONDITIONALS = ("none", "cgan", "acgan", "semi")
#: dimension of the generator's label embedding
EMBEDDING = 16


def check_conditioning(conditional: str, classes: int) -> None:
    """Refuse unknown variants and conditional models without at least two classes."""
    if conditional not in CONDITIONALS:
        raise InvalidParameterError(f"conditional must be one of {', '.join(CONDITIONALS)}, not {conditional!r}")
    if (conditional != "none") != (classes >= 2) or classes < 0:
        raise InvalidParameterError(f"a {conditional!r} model needs {'no' if conditional == 'none' else 'at least two'} classes, not {classes}")


class LabelledLatent(nn.Module):
    """z ``(batch, latent)`` and labels -> the generator's input: z, then the label's embedding when conditional.

    Labels are class indices ``(batch,)``, or weights over the classes ``(batch, N)`` (float) whose
    embedding is the weighted sum of the classes' (for interpolating between labels).
    """

    def __init__(self, latent: int, classes: int) -> None:
        super().__init__()
        self.size = latent + (EMBEDDING if classes else 0)
        self.embed = nn.Embedding(classes, EMBEDDING) if classes else None

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        if self.embed is None:
            return z
        if labels is None:
            raise InvalidParameterError("a conditional generator needs labels")
        embedded = labels.to(z.dtype) @ self.embed.weight if labels.is_floating_point() else self.embed(labels)
        return torch.cat([z, embedded], dim=1)


class DiscriminatorHead(nn.Module):
    """Features ``(batch, features)`` (and labels) -> (adversarial logit ``(batch,)``, class logits ``(batch, N)`` or None)."""

    def __init__(self, features: int, conditional: str = "none", classes: int = 0) -> None:
        super().__init__()
        check_conditioning(conditional, classes)
        self.conditional, self.features = conditional, features
        self.dense = nn.Linear(features, 1) if conditional != "semi" else None
        self.embed = nn.Embedding(classes, features) if conditional == "cgan" else None
        self.classify = nn.Linear(features, classes) if conditional in ("acgan", "semi") else None

    def flops(self) -> float:
        """FLOPs for one example (2 per multiply-add of the dense layers and the projection)."""
        outputs = sum(layer.out_features for layer in (self.dense, self.classify) if layer is not None)
        return 2.0 * self.features * (outputs + (self.embed is not None))

    def forward(self, h: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        class_logits = self.classify(h) if self.classify is not None else None
        if self.conditional == "semi":
            return torch.logsumexp(class_logits, dim=1), class_logits
        logit = self.dense(h)[:, 0]
        if self.embed is not None:
            if labels is None:
                raise InvalidParameterError("a projection discriminator needs labels")
            logit = logit + (self.embed(labels) * h).sum(dim=1)
        return logit, class_logits
