"""Render a hop study (:class:`~wavecraft.analysis.hops.HopStudy`): summary.json, two CSV tables, two figures and index.html."""

from __future__ import annotations

from pathlib import Path

from wavecraft.analysis import plots
from wavecraft.analysis.hops import HopStudy
from wavecraft.atomic import atomic_path, write_text
from wavecraft.report.comparison import column_title
from wavecraft.report.html import Report
from wavecraft.summary import csv_text, summary_json

EXPLANATION = (
    "Synthesis applies A to each frame's coefficients, windows, overlap-adds and divides by the overlap-added product of the "
    "two windows. For a complete basis A W = I, so every frame comes back as the analysis-windowed frame whatever the basis: "
    "the DFT is not special, and the DCT, PCA, ICA and the wavelets reconstruct exactly as it does. What remains is the window "
    "product: a sample is rebuilt exactly wherever its overlap-added sum is positive and lost where it vanishes. Rectangular "
    "windows reconstruct at every hop; a sqrt-Hann pair, or Hann analysis with rectangular synthesis (both products a periodic "
    "Hann, zero at the frame's first sample), at every hop below M, and lose one sample in M at H = M. The 'ripple' column says "
    "how far the product is from summing to a constant: only where it is 0 would overlap-add without the division work too."
)


def write_hops(out_dir: Path, study: HopStudy, corpus_name: str, methods: list[str], *, force: bool = False) -> dict:
    """Write every output of ``wavecraft hops`` into ``out_dir`` (built aside, renamed into place); nothing is measured here.

    Returns
    -------
    dict
        The summary written to ``summary.json``.
    """
    best = study.best_hops()
    summary = {"corpus": corpus_name, "sample_rate": study.sample_rate, "M": study.M, "hops": list(study.hops), "seconds": round(study.seconds, 2),
               "methods": methods, "reconstruction": study.reconstruction, "best_hops": best}
    with atomic_path(out_dir, force=force) as tmp:
        (tmp / "figures").mkdir(parents=True)
        plots.plot_hop_reconstruction(study.reconstruction, study.M, tmp / "figures" / "reconstruction.png")
        plots.plot_hop_rate_distortion(_shown_curves(study), study.M, tmp / "figures" / "rate_distortion.png")
        write_text(tmp / "reconstruction.csv", csv_text(study.reconstruction))
        write_text(tmp / "rate_distortion.csv", csv_text(study.rate_distortion))
        write_text(tmp / "summary.json", summary_json(summary))
        _report(study, corpus_name, best).save(tmp / "index.html")
    return summary


def _shown_curves(study: HopStudy) -> list[dict]:
    """The rate–distortion rows drawn: rectangular windows at H = M, the sqrt-Hann pair below."""
    return [r for r in study.rate_distortion if r["window"] == ("rect" if r["hop"] == study.M else "sqrt-hann")]


def _report(study: HopStudy, corpus_name: str, best: list[dict]) -> Report:
    """The index.html page."""
    page = Report(f"Hop sizes on {corpus_name}")
    page.paragraph(f"{study.seconds:.1f} s of held-out audio at {study.sample_rate} Hz, frames of M = {study.M} samples, "
                   f"hops {', '.join(str(h) for h in study.hops)}.")
    page.heading("When does overlap-add reconstruct?")
    page.paragraph(EXPLANATION)
    page.image("figures/reconstruction.png", "relative error with every coefficient kept, against the hop; the line is the theory")
    keys = ["method", "hop", "window", "error", "predicted", "ripple"]
    page.table([column_title(k) for k in keys], [[f"{r[k]:.3g}" if isinstance(r[k], float) else r[k] for k in keys] for r in study.reconstruction])
    page.heading("Which hop at a given rate?")
    page.paragraph("Each frame keeps its k most important coefficients, k = rate x H, so every hop spends the same number of non-zero "
                   "coefficients per sample: a smaller hop has more frames, overlapping, each with fewer coefficients. Rectangular "
                   "windows at H = M, the sqrt-Hann pair below.")
    page.image("figures/rate_distortion.png", "SNR against non-zero coefficients per sample, one line per hop")
    page.table(["method", "non-zeros per sample", "best hop", "SNR (dB)"],
               [[r["method"], f"{r['nonzeros_per_sample']:.4g}", r["best_hop"], f"{r['snr_db']:.2f}"] for r in best])
    return page
