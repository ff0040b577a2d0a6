"""Short-time encode + decode throughput against scipy.signal.stft / istft.

Same signal, M = 128, H = 64, sqrt-Hann analysis and synthesis, in one run:

    .venv/bin/python bench/shorttime.py [--seconds 60] [--repeats 5]

Prints samples per second for each, the ratio, and both reconstruction errors.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.signal

from wavecraft.bases import dct_basis, decode, dft_basis, encode, window


def best_times(functions: dict, repeats: int) -> dict[str, float]:
    """Fastest of ``repeats`` calls of each function, calls interleaved round-robin after one warm-up round.

    Timing one method after the other favoured whichever came later (the
    allocator settles on reusing large buffers after the first few calls).
    """
    for fn in functions.values():
        fn()
    best = {name: float("inf") for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="signal length at 16 kHz")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    M, H, sr = 128, 64, 16_000  # noqa: N806
    x = np.random.default_rng(0).standard_normal(int(args.seconds * sr)).astype(np.float32)
    functions = {}
    for basis in (dft_basis(M), dct_basis(M)):
        def ours(basis=basis):
            return decode(encode(x, basis, hop=H, analysis_window="sqrt-hann"), basis, hop=H, analysis_window="sqrt-hann", length=x.size)
        functions[f"wavecraft {basis.name}"] = ours
    win = window("sqrt-hann", M)

    def scipy_stft():
        _, _, Z = scipy.signal.stft(x, nperseg=M, noverlap=M - H, window=win, boundary="zeros", padded=True)
        return scipy.signal.istft(Z, nperseg=M, noverlap=M - H, window=win, boundary=True)[1][: x.size]

    functions["scipy stft+istft"] = scipy_stft
    seconds = best_times(functions, args.repeats)
    reference = seconds["scipy stft+istft"]
    print(f"{x.size} samples, M={M}, H={H}, best of {args.repeats}")
    print(f"{'method':<22}{'Msamples/s':>12}{'x scipy':>10}{'rel. error':>12}")
    for name, fn in functions.items():
        y = fn()
        error = np.linalg.norm(y - x) / np.linalg.norm(x)
        print(f"{name:<22}{x.size / seconds[name] / 1e6:>12.1f}{reference / seconds[name]:>10.2f}{error:>12.1e}")


if __name__ == "__main__":
    main()
