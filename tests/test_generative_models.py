"""SpecGAN, the conditional heads and generators, and the VAE: shapes, definitions, parameter counts, gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from wavecraft.bases.stft import stft
from wavecraft.errors import InvalidParameterError
from wavecraft.models.conditioning import DiscriminatorHead, LabelledLatent
from wavecraft.models.specgan import SpecGANConfig, SpecGANDiscriminator, SpecGANGenerator, SpectrogramCodec
from wavecraft.models.vae import VAEConfig, WaveVAE
from wavecraft.models.wavegan import WaveGANConfig, WaveGANDiscriminator, WaveGANGenerator


def count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_specgan_paper_shapes_and_sizes() -> None:
    generator, discriminator = SpecGANGenerator(), SpecGANDiscriminator()
    # 5 x 5 kernels have as many taps as WaveGAN's 25, so the paper SpecGAN has WaveGAN's parameter counts
    assert count(generator) == 19_065_345 and count(discriminator) == 17_427_969
    with torch.no_grad():
        image = generator(torch.rand(2, 100) * 2 - 1)
        assert image.shape == (2, 1, 128, 128) and image.abs().max() <= 1
        logit, classes = discriminator(image)
    assert logit.shape == (2,) and classes is None
    small = SpecGANConfig(d=4, length=4096, n_fft=128)
    assert SpecGANGenerator(small)(torch.zeros(1, 100)).shape == (1, 1, 64, 64)
    with pytest.raises(InvalidParameterError):
        SpecGANConfig(length=4096)  # 256-sample frames need 16384 samples


def test_spectrogram_codec_normalises_per_bin_and_inverts_through_griffin_lim() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(4096) / 16_000
    clips = np.stack([np.sin(2 * np.pi * (300 + 2000 * rng.random()) * t) * np.exp(-t * rng.uniform(2, 20)) for _ in range(64)])
    clips = clips.astype(np.float32)
    codec = SpectrogramCodec(SpecGANConfig(d=4, length=4096, n_fft=128)).fit(clips)
    logs = codec.log_magnitude(clips)
    np.testing.assert_allclose(logs.mean(axis=(0, 2)), codec.mean.numpy(), rtol=1e-4, atol=1e-4)
    images = codec.encode(torch.tensor(clips[:, None], dtype=torch.float32))
    assert images.shape == (64, 1, 64, 64) and images.abs().max() <= 1
    # within 3 sigma the scaling is linear: the normalised log magnitude times 3 sigma is the log magnitude less the mean
    inside = images[:, 0].abs() < 1
    rebuilt = images[:, 0] * 3 * codec.std[:, None] + codec.mean[:, None]
    torch.testing.assert_close(rebuilt[inside], torch.from_numpy(logs)[inside], rtol=1e-4, atol=1e-3)
    audio = codec.decode(images[:4]).numpy()[:, 0]
    assert audio.shape == (4, 4096)
    for original, made in zip(clips[:4], audio):  # Griffin-Lim restores the magnitudes, not the phases
        a, b = (np.abs(stft(x, 128, 64, analysis_window="hann")) for x in (original, made))
        assert np.linalg.norm(a - b) / np.linalg.norm(a) < 0.2


def test_projection_head_adds_the_label_embedding_inner_product() -> None:
    torch.manual_seed(0)
    head = DiscriminatorHead(8, "cgan", 3)
    h, labels = torch.randn(5, 8), torch.tensor([0, 1, 2, 1, 0])
    logit, classes = head(h, labels)
    expected = head.dense(h)[:, 0] + (head.embed.weight[labels] * h).sum(1)
    torch.testing.assert_close(logit, expected)
    assert classes is None
    with pytest.raises(InvalidParameterError):
        head(h)


def test_auxiliary_and_semi_supervised_heads() -> None:
    torch.manual_seed(0)
    h = torch.randn(5, 8)
    logit, classes = DiscriminatorHead(8, "acgan", 4)(h)
    assert logit.shape == (5,) and classes.shape == (5, 4)
    semi = DiscriminatorHead(8, "semi", 4)
    logit, classes = semi(h)
    # the fake class has logit 0, so the adversarial logit is log(sum exp(class logits)) / exp(0)
    torch.testing.assert_close(logit, torch.logsumexp(classes, dim=1))
    assert semi.dense is None and count(semi) == 8 * 4 + 4
    for conditional, classes in (("cgan", 0), ("none", 3), ("other", 2)):
        with pytest.raises(InvalidParameterError):
            DiscriminatorHead(8, conditional, classes)


def test_conditional_generators_use_their_labels() -> None:
    latent = LabelledLatent(100, 3)
    z = torch.rand(3, 100)
    hard = latent(z, torch.tensor([0, 1, 2]))
    soft = latent(z, torch.eye(3))  # one-hot weights are the classes themselves
    torch.testing.assert_close(hard, soft)
    halfway = latent(z[:1], torch.tensor([[0.5, 0.5, 0.0]]))
    torch.testing.assert_close(halfway[0, 100:], (latent.embed.weight[0] + latent.embed.weight[1]) / 2)
    for config in (WaveGANConfig(d=4, length=4096, conditional="acgan", classes=3), SpecGANConfig(d=4, length=4096, n_fft=128, conditional="cgan", classes=3)):
        generator = (WaveGANGenerator if isinstance(config, WaveGANConfig) else SpecGANGenerator)(config)
        z = torch.rand(1, 100).expand(3, -1)
        with torch.no_grad():
            made = generator(z, torch.tensor([0, 1, 2]))
        assert not torch.allclose(made[0], made[1]) and not torch.allclose(made[1], made[2])  # same z, other label, other sound


def test_conditional_discriminators_backpropagate_to_every_parameter() -> None:
    for conditional in ("cgan", "acgan", "semi"):
        config = WaveGANConfig(d=4, length=4096, conditional=conditional, classes=3)
        generator, discriminator = WaveGANGenerator(config), WaveGANDiscriminator(config)
        labels = torch.tensor([0, 2])
        logit, classes = discriminator(generator(torch.rand(2, 100), labels), labels)
        (logit.sum() + (classes.sum() if classes is not None else 0)).backward()
        for module in (generator, discriminator):
            assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in module.parameters()), conditional


def test_vae_loss_is_the_negative_elbo_per_sample() -> None:
    torch.manual_seed(0)
    config = VAEConfig(WaveGANConfig(d=4, length=4096), sigma=0.2)
    vae = WaveVAE(config)
    assert count(vae.decoder) == count(WaveGANGenerator(config.backbone))  # the decoder is WaveGAN's generator
    x = torch.rand(3, 1, 4096) - 0.5
    torch.manual_seed(1)
    loss, reconstruction, kl = vae(x)
    mean, log_variance = vae.encode(x)
    torch.manual_seed(1)
    z = mean + torch.randn_like(mean) * (0.5 * log_variance).exp()
    expected_reconstruction = ((x - vae.decoder(z)) ** 2).sum(dim=(1, 2)).mean() / (2 * 0.2**2) / 4096
    expected_kl = (0.5 * (mean**2 + log_variance.exp() - 1 - log_variance).sum(1)).mean() / 4096
    torch.testing.assert_close(reconstruction, expected_reconstruction)
    torch.testing.assert_close(kl, expected_kl)
    torch.testing.assert_close(loss, reconstruction + kl)
    loss.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in vae.parameters())
    with pytest.raises(InvalidParameterError):
        VAEConfig(sigma=0)
