"""WaveNet generation: the cached queues against rerunning the receptive field, and against the machine's FLOP floor.

    .venv/bin/python bench/wavenet.py [--batches 1 8 64] [--samples 2000] [--naive-samples 200] [--threads 2]

For each preset (``small``, ``paper``; softmax output, unconditional, random
weights: speed does not depend on training) and each batch size, both
algorithms of :func:`wavecraft.models.wavenet.generate` draw from silence;
the naive one is timed on fewer samples (it costs a receptive field per
sample). Printed per row: samples per second (all clips together), times
real time at 16 kHz, the cached/naive ratio, and the cached step against
its floor: :func:`~wavecraft.models.wavenet.cached_flops` times the batch
over the best rate of a 2048² matrix product in the same run. The floor is
what the products would cost at that rate; what is left is the cost of
issuing ~7 small operations per layer and sample, which a larger batch
amortises.
"""

from __future__ import annotations

import argparse
import time

import torch

from wavecraft.cli.output import format_table
from wavecraft.models.wavenet import WaveNet, cached_flops, generate
from wavecraft.train.presets import preset
from wavecraft.train.throughput import matmul_rate

RATE = 16_000


def seconds_per_sample(network: WaveNet, samples: int, batch: int, cached: bool) -> float:
    """Wall seconds per generation step of ``batch`` clips (after a short warm-up)."""
    with torch.no_grad():
        generate(network, 20, batch=batch, cached=cached)
        started = time.perf_counter()
        generate(network, samples, torch.Generator().manual_seed(0), batch=batch, cached=cached)
    return (time.perf_counter() - started) / samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8, 64])
    parser.add_argument("--samples", type=int, default=2000, help="samples per clip of the cached runs")
    parser.add_argument("--naive-samples", type=int, default=200, help="samples per clip of the naive runs")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rate = matmul_rate()
    print(f"matmul rate {rate / 1e9:.1f} GFLOP/s on {args.threads} threads (fp32, 2048²)")
    rows = []
    for name in ("small", "paper"):
        config = preset("wavenet", name).model
        torch.manual_seed(0)
        network = WaveNet(config).eval()
        for batch in args.batches:
            cached = seconds_per_sample(network, args.samples, batch, True)
            naive = seconds_per_sample(network, args.naive_samples, batch, False)
            floor = cached_flops(config) * batch / rate
            rows.append([name, config.receptive_field, batch, f"{batch / cached:.0f}", f"{batch / cached / RATE:.3f}", f"{batch / naive:.0f}",
                         f"{naive / cached:.1f}", f"{cached_flops(config) / 1e6:.2f}", f"{1e6 * cached:.0f}", f"{1e6 * floor:.1f}",
                         f"{cached / floor:.1f}"])
    print(format_table(["preset", "receptive field", "batch", "cached samples/s", "x real time (16 kHz)", "naive samples/s", "cached/naive",
                        "MFLOP/sample", "us/step", "floor us/step", "x floor"], rows))


if __name__ == "__main__":
    main()
