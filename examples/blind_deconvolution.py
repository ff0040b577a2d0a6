"""Bell & Sejnowski's three blind-deconvolution cases on real speech, with figures and a summary.

    .venv/bin/python examples/blind_deconvolution.py --out build/deconvolution [--seconds 10] [--taps 100]

Ten seconds of speech-en at 8 kHz (``demo-instruct.wav``) are (a) left
alone, (b) given a single echo (5 ms, gain 0.7) and (c) a decaying echo train
(every 25 samples, gains 0.6^k, k = 1..8). A T-tap inverse filter is learned
blindly from each. Reported per case:

- spectral flatness of the input and output (the learned filter whitens);
- the main-tap energy ratio of w * h (1 for a delayed impulse), and the
  same after dividing out the filter learned on clean speech, i.e. the
  whitening that clean speech needs too;
- the real cepstrum at the echo delay before and after (an echo is a
  cepstral peak; clean speech has none there).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from wavecraft import audio
from wavecraft.cli.output import format_table
from wavecraft.corpus import open_corpus
from wavecraft.separation.deconvolution import (
    cepstral_peak,
    deconvolve,
    divide_out,
    echo_filter,
    ideal_inverse,
    main_tap_ratio,
    spectral_flatness,
)
from wavecraft.separation.figures import plot_deconvolution

SR = 8000
CASES = {
    "a-clean": (None, None),
    "b-single-echo": (echo_filter([40], [0.7]), 40),
    "c-echo-train": (echo_filter(25 * np.arange(1, 9), 0.6 ** np.arange(1, 9)), 25),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("build/deconvolution"))
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--taps", type=int, default=100)
    args = parser.parse_args()
    corpus = open_corpus("speech-en")
    speech, _ = corpus.load(next(e for e in corpus if e.path == "demo-instruct.wav"), sr=SR)
    speech = speech[: int(args.seconds * SR)].astype(np.float64)
    args.out.mkdir(parents=True, exist_ok=True)
    summary, rows, whitener = {}, [], None
    for name, (h, lag) in CASES.items():
        x = speech if h is None else np.convolve(speech, h)[: speech.size]
        result = deconvolve(x, args.taps)
        entry = {
            "n_iter": result.n_iter,
            "flatness_in": spectral_flatness(x),
            "flatness_out": spectral_flatness(result.output),
        }
        if h is None:
            whitener = result.filter
            plot_deconvolution(args.out / f"{name}.png", result.filter, {"speech": x, "learned-filter output": result.output}, SR)
        else:
            combined = np.convolve(result.filter, h)[: args.taps]
            entry |= {
                "main_tap_ratio": main_tap_ratio(combined),
                "main_tap_ratio_whitening_divided_out": main_tap_ratio(divide_out(combined, whitener, args.taps)),
                "cepstrum_at_delay_in": cepstral_peak(x, lag),
                "cepstrum_at_delay_out": cepstral_peak(result.output, lag),
                "cepstrum_at_delay_clean": cepstral_peak(speech, lag),
            }
            plot_deconvolution(
                args.out / f"{name}.png", result.filter, {"corrupted": x, "deconvolved": result.output, "clean": speech}, SR,
                corrupting=h, ideal=ideal_inverse(h, args.taps),
            )
        audio.save(args.out / f"{name}-in.wav", x / np.abs(x).max() * 0.9, SR, force=True)
        audio.save(args.out / f"{name}-out.wav", result.output / np.abs(result.output).max() * 0.9, SR, force=True)
        summary[name] = {k: round(float(v), 4) for k, v in entry.items()}
        rows.append([name, *(summary[name].get(k, "") for k in (
            "flatness_in", "flatness_out", "main_tap_ratio", "main_tap_ratio_whitening_divided_out", "cepstrum_at_delay_in", "cepstrum_at_delay_out"))])
    (args.out / "summary.json").write_text(json.dumps({"seconds": args.seconds, "taps": args.taps, "cases": summary}, indent=2) + "\n")
    print(format_table(["case", "flat_in", "flat_out", "main_tap", "main_tap_/whitener", "cep_in", "cep_out"], rows))
    print(f"figures and audio in {args.out}")


if __name__ == "__main__":
    main()
