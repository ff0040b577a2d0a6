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


def best_time(fn, repeats: int) -> float:
    """Fastest of ``repeats`` calls, in seconds."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="signal length at 16 kHz")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    M, H, sr = 128, 64, 16_000  # noqa: N806
    x = np.random.default_rng(0).standard_normal(int(args.seconds * sr)).astype(np.float32)
    rows = []
    for basis in (dft_basis(M), dct_basis(M)):
        def ours(basis=basis):
            return decode(encode(x, basis, H, "sqrt-hann"), basis, H, "sqrt-hann", length=x.size)
        rows.append((f"wavecraft {basis.name}", best_time(ours, args.repeats), ours()))
    win = window("sqrt-hann", M)

    def scipy_stft():
        _, _, Z = scipy.signal.stft(x, nperseg=M, noverlap=M - H, window=win, boundary="zeros", padded=True)
        return scipy.signal.istft(Z, nperseg=M, noverlap=M - H, window=win, boundary=True)[1][: x.size]

    rows.append(("scipy stft+istft", best_time(scipy_stft, args.repeats), scipy_stft()))
    reference = rows[-1][1]
    print(f"{x.size} samples, M={M}, H={H}, best of {args.repeats}")
    print(f"{'method':<22}{'Msamples/s':>12}{'x scipy':>10}{'rel. error':>12}")
    for name, seconds, y in rows:
        error = np.linalg.norm(y - x) / np.linalg.norm(x)
        print(f"{name:<22}{x.size / seconds / 1e6:>12.1f}{reference / seconds:>10.2f}{error:>12.1e}")


if __name__ == "__main__":
    main()
