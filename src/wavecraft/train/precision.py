"""Which precision to run in: bf16 only where this machine computes it faster than fp32.

CPUs without bf16 instructions (AVX2-only ones, for example) emulate bf16
matrix products: a 2048² bf16 product measured about 300 times slower than in
fp32 on such a machine, so a bf16 run there would crawl without saying why.
:func:`bf16_is_faster` asks the device: a GPU by its capability, a CPU by a
short timed probe (a few milliseconds where bf16 is fast, about 0.15 s where
it is emulated; once per process). The probe's product is 256²: at 128² an
AMX machine's bf16 and fp32 ran neck and neck (0.93 to 1.05 times as fast),
so the verdict was a coin-flip, while its models run 3 to 4 times faster in
bf16; at 256² it measures 4.3 times, and emulated bf16 0.01.
"""

from __future__ import annotations

import functools
import warnings

import torch

from wavecraft.train.throughput import matmul_rate

PRECISIONS = ("auto", "fp32", "bf16")


class PerformanceWarning(UserWarning):
    """A setting will run much slower than another on this machine."""


def bf16_is_faster(device: torch.device) -> bool:
    """Whether bf16 matrix products beat fp32 ones on ``device``."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return _cpu_bf16_is_faster()


def bf16_speedup(size: int = 256, rounds: int = 5) -> float:
    """How many times faster a ``size``² product runs in bf16 than in fp32 on the CPU (below 1: slower).

    The two are timed in alternation, best of ``rounds`` each, on one thread:
    on a busy machine a small multi-threaded product waits for its threads to
    be scheduled (16 ms measured for a 128² fp32 product beside a running test
    suite, against 0.04 ms alone), which says nothing about the arithmetic.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        best = {torch.float32: 0.0, torch.bfloat16: 0.0}
        for _ in range(rounds):
            for dtype in best:
                best[dtype] = max(best[dtype], matmul_rate(dtype, size=size, repeats=1))
    finally:
        torch.set_num_threads(threads)
    return best[torch.bfloat16] / best[torch.float32]


@functools.cache
def _cpu_bf16_is_faster() -> bool:
    """The CPU probe, once per process."""
    return bf16_speedup() > 1.0


def resolve_precision(asked: str, device: torch.device) -> str:
    """The precision a run uses: ``auto`` becomes bf16 where it is faster, else fp32.

    An explicit ``bf16`` is kept, with a :class:`PerformanceWarning` where it is the slower one.

    Examples
    --------
    >>> resolve_precision("fp32", torch.device("cpu"))
    'fp32'
    >>> resolve_precision("auto", torch.device("cpu")) in ("fp32", "bf16")
    True
    """
    if asked == "fp32":
        return asked
    fast = bf16_is_faster(device)
    if asked == "auto":
        return "bf16" if fast else "fp32"
    if not fast:
        warnings.warn(
            f"bf16 is slower than fp32 on this {device.type} (no bf16 instructions): expect a much slower run; "
            "--precision auto picks the faster one",
            PerformanceWarning,
            stacklevel=2,
        )
    return asked
