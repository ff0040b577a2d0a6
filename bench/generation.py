"""WaveGAN generation speed against the machine's own limit: FLOPs per clip over measured time, fp32 and bf16.

    .venv/bin/python bench/generation.py [--preset paper] [--batch 16] [--repeats 5]

The generator's cost is counted from its layers (2 FLOPs per multiply-add:
dense, then each up-sampling convolution), the machine's limit measured as
the best rate of a large matrix product in the same precision, and the
generator timed on a batch of latents (best of ``--repeats``). Printed:
clips per second, times real time, the floor (times real time if the
generator ran at the matmul rate) and the fraction of it reached; and how
far bf16 output is from fp32. On a CPU without bf16 instructions, where bf16
is emulated and hundreds of times slower, the bf16 row is skipped and says so.
"""

from __future__ import annotations

import argparse

import torch

from wavecraft.cli.output import format_table
from wavecraft.models.wavegan import WaveGANGenerator
from wavecraft.train.precision import bf16_is_faster
from wavecraft.train.presets import PRESETS, preset
from wavecraft.train.throughput import matmul_rate

from common import timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=PRESETS, default="paper")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(2)
    config = preset("wavegan", args.preset)
    generator = WaveGANGenerator(config.model).eval()
    z = torch.rand(args.batch, config.model.latent) * 2 - 1
    flops = generator.flops()
    seconds_per_clip = config.model.length / config.sample_rate
    rows, outputs = [], {}
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        if dtype == torch.bfloat16 and not bf16_is_faster(torch.device("cpu")):
            rows.append([name, "emulated: slower than fp32, skipped", "", "", "", ""])
            continue
        rate = matmul_rate(dtype, repeats=10)

        def run(dtype=dtype):
            with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=dtype == torch.bfloat16):
                return generator(z)

        outputs[name] = run().float()
        _, elapsed = timed(run, args.repeats, warmup=True)
        clips_per_second = args.batch / elapsed
        realtime = clips_per_second * seconds_per_clip
        floor = rate / flops * seconds_per_clip
        rows.append([name, rate / 1e9, clips_per_second, realtime, floor, realtime / floor])
    print(f"{args.preset} generator: {flops / 1e9:.2f} GFLOP per {config.model.length}-sample clip, batch {args.batch}, 2 threads")
    print(format_table(["precision", "matmul_gflops", "clips_per_s", "x_realtime", "floor_x_realtime", "fraction_of_floor"], rows))
    if "bf16" in outputs:
        difference = (outputs["bf16"] - outputs["fp32"]).abs().max().item()
        print(f"max |bf16 - fp32| = {difference:.3g} (outputs in [-1, 1])")


if __name__ == "__main__":
    main()
