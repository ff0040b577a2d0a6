"""Training and generation speed read against the machine's limit: FLOPs of the work over time, over the matmul rate."""

from __future__ import annotations

import functools
import time

import torch

#: A backward pass costs about twice its forward pass, so forward + backward is 3 forwards.
FORWARD_BACKWARD = 3.0


def matmul_rate(dtype: torch.dtype = torch.float32, size: int = 2048, *, repeats: int = 5) -> float:
    """Best FLOP/s of a ``size`` x ``size`` matrix product in ``dtype`` on this machine (current thread count).

    The operands come from a private generator: measuring must not move the caller's random state.
    """
    generator = torch.Generator().manual_seed(0)
    a, b = (torch.randn(size, size, generator=generator).to(dtype) for _ in range(2))
    a @ b
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t0)
    return 2.0 * size**3 / best


def machine_rate() -> float:
    """The float32 :func:`matmul_rate` at the current thread count: the limit a run's FLOP utilisation is read against.

    Measured once per process and thread count (six 2048² products, 1 to 2 s on two AVX2 cores), not once per run.
    """
    return _rate_at(torch.get_num_threads())


@functools.cache
def _rate_at(threads: int) -> float:
    """:func:`matmul_rate` in float32, cached by the thread count it ran at."""
    return matmul_rate()


def gan_step_flops(generator_flops: float, discriminator_flops: float, batch_size: int, critic_steps: int, penalty: bool) -> float:
    """FLOPs of one generator step of WGAN-style training (``critic_steps`` critic updates, then one generator update).

    Per critic update: the generator forward on a batch, the critic forward and backward on real and generated
    clips, and with the gradient penalty another forward and double backward on interpolates (counted as one more
    forward + backward). Per generator update: forward and backward through both networks. Biases, activations and
    the optimiser are left out, so this is a slight underestimate.
    """
    critic = generator_flops + 2 * FORWARD_BACKWARD * discriminator_flops + (2 * FORWARD_BACKWARD * discriminator_flops if penalty else 0.0)
    generator = FORWARD_BACKWARD * (generator_flops + discriminator_flops)
    return batch_size * (critic_steps * critic + generator)
