"""Render a basis comparison (:class:`~wavecraft.analysis.comparison.Comparison`): summary.json, CSV tables, PNG figures, audio examples and index.html."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from wavecraft import audio
from wavecraft.analysis import plots
from wavecraft.analysis.comparison import BasisResult, Comparison
from wavecraft.atomic import atomic_path, write_text
from wavecraft.corpus.ensemble import Ensemble
from wavecraft.report.html import Report
from wavecraft.summary import csv_text, summary_json


def write_comparison(out_dir: Path, comparison: Comparison, ens: Ensemble, corpus_name: str, *, force: bool = False) -> dict:
    """Write every output of ``wavecraft compare`` into ``out_dir`` (built aside, renamed into place); nothing is measured here.

    Parameters
    ----------
    out_dir : Path
        The report folder; replaced only with ``force``.
    comparison : Comparison
        From :func:`wavecraft.analysis.comparison.compare_bases`.
    ens : Ensemble
        The slices compared (described, not read).
    corpus_name : str
        For titles.
    force : bool, default=False
        Replace an existing ``out_dir``.

    Returns
    -------
    dict
        The summary written to ``summary.json``.
    """
    results, keep, rate = comparison.results, comparison.keep, comparison.sample_rate
    rows = comparison.rows()
    with atomic_path(out_dir, force=force) as tmp:
        (tmp / "bases").mkdir(parents=True)
        (tmp / "figures").mkdir()
        (tmp / "audio").mkdir()
        clips = [("original", "audio/original.wav")]
        audio.save(tmp / "audio" / "original.wav", comparison.excerpt, rate, subtype="FLOAT")
        for result, row in zip(results, rows):
            slug = result.spec.replace(":", "-")
            result.coder.basis.save(tmp / "bases" / f"{slug}.npz")
            plots.plot_functions(result.coder.basis, tmp / "figures" / f"functions-{slug}.png")
            audio.save(tmp / "audio" / f"{slug}-k{keep}.wav", result.rebuilt, rate, subtype="FLOAT")
            clips.append((f"{result.spec}, {keep} of {result.coder.basis.N} per frame ({row[f'excerpt_snr_k{keep}_db']:.1f} dB)", f"audio/{slug}-k{keep}.wav"))
        colours = plots.palette(r.spec for r in results)  # one colour per method in every figure
        plots.plot_tiling({r.spec: r.localisation for r in results}, tmp / "figures" / "tiling.png", colours=colours)
        plots.plot_rate_distortion({r.spec: r.rate_distortion for r in results}, tmp / "figures" / "rate_distortion.png", colours=colours)
        plots.plot_kurtosis({r.spec: r.kurtosis for r in results}, tmp / "figures" / "kurtosis.png", colours=colours)
        plots.plot_histograms({"ensemble samples": comparison.sample_histogram, **{r.spec: r.histogram for r in results}},
                              tmp / "figures" / "amplitudes.png", colours=colours)
        pca = comparison.result("pca")
        if pca is not None:
            plots.plot_explained_variance(pca.coder.estimator.all_explained_variance_ratio_, tmp / "figures" / "explained_variance.png")
        write_text(tmp / "bases.csv", csv_text(rows))
        write_text(tmp / "rate_distortion.csv", csv_text(_curve_rows(results)))
        summary = {
            "corpus": corpus_name,
            "sample_rate": ens.sample_rate,
            "slice_len": ens.slice_len,
            "train_slices": int(len(ens.train)),
            "held_out_slices": int(len(ens.held_out)),
            "seed": ens.seed,
            "gain": ens.gain,
            "keep": keep,
            "bases": rows,
        }
        write_text(tmp / "summary.json", summary_json(summary))
        sparse = comparison.result("sparse")
        sparse_ceiling = {} if sparse is None else {"sparse": float(sparse.rate_distortion.snr_k[-1])}
        _report(corpus_name, ens, rows, clips, pca is not None, sparse_ceiling).save(tmp / "index.html")
    return summary


def _curve_rows(results: Sequence[BasisResult]) -> list[dict]:
    """Long-format rows of both rate–distortion curves."""
    rows = []
    for r in results:
        rd = r.rate_distortion
        rows += [{"method": r.spec, "curve": "best_k", "x": int(k), "snr_db": round(float(s), 4)} for k, s in zip(rd.k, rd.snr_k)]
        rows += [
            {"method": r.spec, "curve": "entropy_bits_per_sample", "x": round(float(b), 5), "snr_db": round(float(s), 4)}
            for b, s in zip(rd.bits_per_sample, rd.snr_bits)
        ]
    return rows


#: Units of the summary's column keys, by suffix.
UNITS = {"_db": "dB", "_ms": "ms", "_hz": "Hz", "_seconds": "s"}


def column_title(key: str) -> str:
    """The page's header for a summary column: ``snr_k8_db`` -> ``SNR, k = 8 (dB)``, ``mean_bandwidth_hz`` -> ``mean bandwidth (Hz)``.

    >>> column_title("snr_k8_db"), column_title("excerpt_snr_k8_db"), column_title("snr_1bit_db"), column_title("fit_seconds")
    ('SNR, k = 8 (dB)', 'excerpt SNR, k = 8 (dB)', 'SNR, 1 bit (dB)', 'fit (s)')
    """
    suffix = next((s for s in UNITS if key.endswith(s)), "")
    words = []
    for word in key.removesuffix(suffix).split("_"):
        if word == "snr":
            words.append("SNR")
        elif re.fullmatch(r"k\d+", word):
            words.append(f"k = {word[1:]}")
        elif re.fullmatch(r"\d+bit", word):
            words.append(f"{word[:-3]} bit")
        else:
            words.append(word)
    text = " ".join(words).replace("SNR ", "SNR, ")
    return f"{text} ({UNITS[suffix]})" if suffix else text


def _report(corpus_name: str, ens: Ensemble, rows: list[dict], clips: list, has_pca: bool, sparse_ceiling: dict[str, float]) -> Report:
    """The index.html page; ``sparse_ceiling`` is the SNR of sparse coding's own codes, where its curve must level off."""
    page = Report(f"Bases compared on {corpus_name}")
    page.paragraph(
        f"{len(ens.train)} training and {len(ens.held_out)} held-out slices of {ens.slice_len} samples at "
        f"{ens.sample_rate} Hz (split by file, seed {ens.seed}"
        f"{', every slice scaled to unit RMS' if ens.gain == 'slice' else ''}). "
        "Learned bases are fitted on the training slices; every measure is taken on held-out slices."
    )
    page.heading("Summary")
    page.table([column_title(key) for key in rows[0]], [list(r.values()) for r in rows])
    page.heading("Listen")
    page.paragraph("A held-out excerpt rebuilt from each frame's most important coefficients (sqrt-Hann frames, hop M/2).")
    page.players(clips)
    page.heading("Rate-distortion")
    page.image("figures/rate_distortion.png", "SNR against coefficients kept per slice, and against entropy rate")
    for spec, ceiling in sparse_ceiling.items():
        page.paragraph(
            f"{spec}: the curve keeps the k largest of the codes FISTA finds at the learner's λ, which trades accuracy for "
            f"sparsity: all of them rebuild the held-out slices to {ceiling:.1f} dB, where its curve levels off. The other "
            "bases are invertible, so theirs rise without bound as k reaches N."
        )
    page.heading("Time-frequency tiling")
    page.image("figures/tiling.png", "temporal spread against bandwidth of every synthesis function")
    page.heading("Sparsity")
    page.image("figures/kurtosis.png", "excess kurtosis of each coefficient")
    page.image("figures/amplitudes.png", "amplitude densities of the samples and of each basis's coefficients")
    if has_pca:
        page.image("figures/explained_variance.png", "PCA: cumulative explained variance")
    page.heading("Basis functions")
    for row in rows:
        page.image(f"figures/functions-{row['method'].replace(':', '-')}.png", row["method"])
    return page
