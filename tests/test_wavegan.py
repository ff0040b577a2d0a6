"""WaveGAN: the reference's parameter counts and shapes, phase shuffle, and gradients."""

from __future__ import annotations

import pytest
import torch

from wavecraft.errors import InvalidParameterError
from wavecraft.models import PhaseShuffle, WaveGANConfig, WaveGANDiscriminator, WaveGANGenerator


def count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_paper_configuration_has_the_reference_parameter_counts() -> None:
    generator, discriminator = WaveGANGenerator(), WaveGANDiscriminator()
    assert count(generator) == 19_065_345
    assert count(discriminator) == 17_427_969
    z = torch.rand(2, 100) * 2 - 1
    with torch.no_grad():
        x = generator(z)
        assert x.shape == (2, 1, 16384) and x.abs().max() <= 1.0
        assert discriminator(x)[0].shape == (2,)


@pytest.mark.parametrize("length", [4096, 32768, 65536])
@pytest.mark.parametrize("upsample", ["transpose", "nearest"])
def test_other_lengths_and_upsampling(length: int, upsample: str) -> None:
    config = WaveGANConfig(d=8, length=length, upsample=upsample, post_filter=512 if length == 4096 else 0)
    generator, discriminator = WaveGANGenerator(config), WaveGANDiscriminator(config)
    with torch.no_grad():
        x = generator(torch.rand(3, 100) * 2 - 1)
        assert x.shape == (3, 1, length) and discriminator(x)[0].shape == (3,)
    assert len(generator.layers) == len(discriminator.body.layers) == (4 if length == 4096 else 6)
    with pytest.raises(InvalidParameterError):
        WaveGANConfig(length=8000)


def test_phase_shuffle_shifts_with_reflection_and_only_in_training() -> None:
    shuffle = PhaseShuffle(2)
    x = torch.arange(10, dtype=torch.float32).repeat(3, 2, 1)  # (3 examples, 2 channels, 10)
    out = shuffle(x, shifts=torch.tensor([0, 2, -1]))
    torch.testing.assert_close(out[0], x[0])
    torch.testing.assert_close(out[1, 0], torch.tensor([2.0, 1, 0, 1, 2, 3, 4, 5, 6, 7]))  # right by 2, reflected in front
    torch.testing.assert_close(out[2, 1], torch.tensor([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 8]))  # left by 1, reflected at the end
    torch.manual_seed(0)
    drawn = shuffle(torch.randn(256, 1, 50))
    assert drawn.shape == (256, 1, 50)
    shuffle.eval()
    y = torch.randn(4, 1, 50)
    assert torch.equal(shuffle(y), y)


def test_gradients_reach_every_parameter() -> None:
    config = WaveGANConfig(d=4, length=4096, post_filter=16)
    generator, discriminator = WaveGANGenerator(config), WaveGANDiscriminator(config)
    discriminator(generator(torch.rand(2, 100) * 2 - 1))[0].mean().backward()
    for module in (generator, discriminator):
        assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in module.parameters())


def test_flop_counts() -> None:
    from wavecraft.train.throughput import gan_step_flops

    assert WaveGANGenerator().flops() == pytest.approx(1.694e9, rel=1e-3)  # the "about 1.7 GFLOP per clip"
    assert WaveGANDiscriminator().flops() == pytest.approx(1.691e9, rel=1e-3)
    # one critic step with the penalty: G forward + 2 x (D forward + backward) on real/fake + 2 x more for the penalty
    g, d = 1.0, 1.0
    assert gan_step_flops(g, d, batch_size=1, critic_steps=1, penalty=True) == pytest.approx(g + 6 * d + 6 * d + 3 * (g + d))


def test_the_machine_rate_is_measured_once_per_thread_count() -> None:
    import time

    from wavecraft.train.throughput import _rate_at, machine_rate

    threads = torch.get_num_threads()
    first = machine_rate()
    started = time.perf_counter()
    assert machine_rate() == first and time.perf_counter() - started < 1e-3  # a second run in the process measures nothing
    assert 1e9 < first < 1e14  # FLOP/s of a CPU
    measured = _rate_at.cache_info().currsize
    torch.set_num_threads(threads + 1)
    try:
        machine_rate()  # another thread count is measured anew
    finally:
        torch.set_num_threads(threads)
    assert _rate_at.cache_info().currsize == measured + 1
