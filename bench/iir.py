"""IIRBank: frequency sampling against the sample-by-sample recursion and scipy.signal.sosfilt, forward and backward.

    .venv/bin/python bench/iir.py [--seconds 1] [--sr 16000] [--batch 8] [--filters 16] [--sections 2]

Prints wall time per forward (and forward + backward for the torch paths)
and the largest difference between the paths, relative to the output's peak.
"""

from __future__ import annotations

import argparse

import numpy as np
import scipy.signal
import torch

from wavecraft.cli.output import format_table
from wavecraft.nn import IIRBank

from common import timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--sr", type=int, default=16_000)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--filters", type=int, default=16)
    parser.add_argument("--sections", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(2)
    bank = IIRBank(args.filters, args.sections)
    x = torch.randn(args.batch, 1, int(args.seconds * args.sr))
    rows, outputs = [], {}
    for method in ("frequency", "recursive"):
        bank.method = method
        with torch.no_grad():
            outputs[method] = bank(x)
            _, forward = timed(lambda: bank(x), 1 if method == "recursive" else 3)
        _, both = timed(lambda: bank(x).square().mean().backward(), 1 if method == "recursive" else 3)
        rows.append([f"wavecraft {method}", 1e3 * forward, 1e3 * both])
    sos = np.concatenate([bank.numerator.detach().numpy(), bank.denominators().detach().numpy()], axis=-1)
    signal = x[:, 0].numpy().astype(np.float64)
    _, scipy_time = timed(lambda: [scipy.signal.sosfilt(sos[f], signal, axis=-1) for f in range(args.filters)], 3)
    rows.append(["scipy sosfilt (float64, no gradient)", 1e3 * scipy_time, float("nan")])
    print(f"batch {args.batch} x {args.seconds:g} s at {args.sr} Hz, {args.filters} filters x {args.sections} sections, "
          f"ring-out {bank.ring_out()} samples; 2 threads")
    print(format_table(["method", "forward_ms", "forward_backward_ms"], rows))
    difference = (outputs["frequency"] - outputs["recursive"]).abs().max() / outputs["recursive"].abs().max()
    print(f"max |frequency - recursive| / max |output| = {difference.item():.1e} (float32)")


if __name__ == "__main__":
    main()
