"""Training throughput of every generative model and preset against the machine's limit (FLOP utilisation).

    .venv/bin/python bench/training.py [--corpus synthetic:drum-machine] [--steps 5] [--presets small paper]

For WaveGAN, SpecGAN and the VAE at each preset: one warm-up step, then
``--steps`` timed training steps (a GAN step is 5 critic updates and one
generator update, batch 32 for small and 64 for paper) on 2 threads.
Printed: seconds per step, generated clips per second (batch / step time),
real clips per second (batch x critic updates / step time), the step's
FLOPs counted from the layers, and their rate as a fraction of the measured
fp32 matmul rate. The paper preset takes tens of seconds per step on a CPU;
give it ``--steps 1``.
"""

from __future__ import annotations

import argparse
import time

import torch

from wavecraft.cli.output import format_table
from wavecraft.corpus import open_corpus
from wavecraft.train.config import MODEL_KINDS
from wavecraft.train.data import training_data
from wavecraft.train.loop import build_trainer
from wavecraft.train.presets import PRESETS, preset
from wavecraft.train.throughput import matmul_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="synthetic:drum-machine")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--presets", nargs="+", default=list(PRESETS), choices=PRESETS)
    parser.add_argument("--kinds", nargs="+", default=list(MODEL_KINDS), choices=list(MODEL_KINDS))
    args = parser.parse_args()
    torch.set_num_threads(2)
    corpus = open_corpus(args.corpus)
    limit = matmul_rate()
    rows = []
    for name in args.presets:
        for kind in args.kinds:
            config = preset(kind, name)
            trainer = build_trainer(config, training_data(corpus, config))
            trainer.prepare()
            trainer.train_step()  # warm-up
            started = time.perf_counter()
            for _ in range(args.steps):
                trainer.train_step()
            seconds = (time.perf_counter() - started) / args.steps
            real_per_step = config.batch_size * (config.critic_steps if kind != "vae" else 1)
            flops = trainer.step_flops()
            rows.append([name, kind, round(seconds, 3), round(config.batch_size / seconds, 1), round(real_per_step / seconds, 1),
                         round(flops / 1e9, 1), round(flops / seconds / limit, 3)])
    print(f"{args.corpus}, fp32 matmul rate {limit / 1e9:.0f} GFLOP/s, {args.steps} steps after one warm-up")
    print(format_table(["preset", "model", "s/step", "generated clips/s", "real clips/s", "GFLOP/step", "utilisation"], rows))


if __name__ == "__main__":
    main()
