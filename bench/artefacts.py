"""What trained translation U-Nets add by themselves: stationary lines, inharmonic lines around a tone, and shift error.

    .venv/bin/python bench/artefacts.py RUN [RUN ...] [--tone 440] [--seconds 8]

For each run (its best checkpoint, read whole, no windows): the lines of its
output for silence and for a tone at -20 dBFS above -90 dBFS (apart from DC
and the tone's harmonics; :func:`wavecraft.translate.artefacts.spectral_lines`),
the loudest of each, and the relative error between the output of white
noise delayed by 1, 2 and 4 samples and the delayed output
(:func:`~wavecraft.translate.artefacts.shift_error`). Prints one table.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from wavecraft.cli.output import format_table
from wavecraft.inference import load_translator
from wavecraft.translate.artefacts import shift_error, spectral_lines


def artefacts(run: Path, tone: float, seconds: float) -> list:
    """The table's row of one run."""
    translator = load_translator(run, "best")
    model, rate = translator.config.model, translator.config.sample_rate
    unet = model.unet
    shape = f"{unet.upsample}, {unet.downsample}, {unet.activations}, {unet.filter_taps} taps, stride {unet.stride}"
    shape += f" over STFT frames ({model.domain})" if model.spectral else ""
    samples = round(seconds * rate)
    silence = np.zeros(samples, np.float32)
    sine = (0.1 * np.sin(2 * np.pi * tone * np.arange(samples) / rate)).astype(np.float32)
    noise = (0.05 * np.random.default_rng(0).standard_normal(samples)).astype(np.float32)
    quiet, around = spectral_lines(translator.network, silence, rate), spectral_lines(translator.network, sine, rate, tone=tone)

    def loudest(lines: list) -> str:
        return f"{lines[0][1]:.1f} at {lines[0][0]:.0f} Hz" if lines else ""

    return [run.name, shape, len(quiet), loudest(quiet), len(around), loudest(around),
            *(round(shift_error(translator.network, noise, k), 4) for k in (1, 2, 4))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", type=Path, nargs="+")
    parser.add_argument("--tone", type=float, default=440.0, help="Hz (default 440)")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each probe (default 8)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    rows = [artefacts(run, args.tone, args.seconds) for run in args.runs]
    print(format_table(["run", "U-Net", "silence: lines", "loudest (dBFS)", f"{args.tone:g} Hz: lines", "loudest (dBFS)",
                        "shift error 1", "2", "4"], rows))


if __name__ == "__main__":
    main()
