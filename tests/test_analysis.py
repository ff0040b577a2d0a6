"""Analysis of bases: time-frequency localisation, coefficient kurtosis, rate-distortion."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wavecraft.analysis import amplitude_histogram, best_k_snr, entropy_rate, keep_largest, kurtosis, rate_distortion, time_frequency
from wavecraft.bases import Basis, dct_basis, dft_basis, dwt_basis, identity_basis
from wavecraft.metrics import snr

RNG = np.random.default_rng(0)


def random_orthonormal(M: int) -> Basis:
    q, _ = np.linalg.qr(RNG.standard_normal((M, M)))
    return Basis(q, q.T, name="random")


@pytest.fixture(scope="module")
def localisation():
    bases = [identity_basis(128), dwt_basis(128, "haar"), dwt_basis(128, "db4"), random_orthonormal(128), dct_basis(128), dft_basis(128)]
    return {b.name: time_frequency(b.A.T, 8000) for b in bases}


def test_identity_is_most_localised_in_time(localisation) -> None:
    spreads = {name: np.mean(tf.time_spread) for name, tf in localisation.items()}
    assert min(spreads, key=spreads.get) == "identity"
    assert spreads["identity"] < spreads["dwt:db4"] < spreads["dft"]


def test_fourier_bases_are_most_localised_in_frequency(localisation) -> None:
    bandwidth = {name: np.mean(tf.bandwidth) for name, tf in localisation.items()}
    assert bandwidth["dft"] < 0.3 * min(bandwidth[n] for n in ("identity", "dwt:haar", "dwt:db4", "random"))
    assert bandwidth["dct"] == pytest.approx(bandwidth["dft"], rel=0.02)  # both Fourier-like
    assert bandwidth["identity"] > bandwidth["dwt:db4"] > bandwidth["dft"]


def test_centroids_of_known_functions() -> None:
    impulse = np.zeros(64)
    impulse[20] = 1.0
    t = np.arange(256) / 8000
    tone = np.sin(2 * np.pi * 1000 * t) * np.hanning(256)
    tf = time_frequency(np.vstack([np.pad(impulse, (0, 192)), tone]), 8000)
    assert tf.time_centroid[0] == pytest.approx(20 / 8000, abs=2e-4)
    assert tf.frequency_centroid[1] == pytest.approx(1000, rel=0.02)
    assert tf.time_centroid[1] == pytest.approx(127.5 / 8000, rel=0.02)


def test_kurtosis_of_known_distributions() -> None:
    samples = np.column_stack([RNG.laplace(size=200_000), RNG.standard_normal(200_000), np.ones(200_000)])
    np.testing.assert_allclose(kurtosis(samples), [3.0, 0.0, 0.0], atol=0.15)
    density, edges = amplitude_histogram(RNG.standard_normal(100_000), bins=51)
    assert np.sum(density * np.diff(edges)) == pytest.approx(1.0, abs=0.01)


def test_best_k_keeps_the_biggest_contributions() -> None:
    rng = np.random.default_rng(0)  # its own: the module's RNG draws differ with the tests a worker ran before
    basis = dct_basis(32)
    S = rng.laplace(size=(500, 32))
    X = basis.synthesize(S)
    snrs = best_k_snr(X, S, basis.A)
    assert np.all(np.diff(snrs[:-1]) >= 0) and snrs[-1] > 200  # exact with all of them
    kept = keep_largest(S, basis.A, 3)
    assert np.all(np.count_nonzero(kept, axis=1) == 3)
    assert snrs[2] == pytest.approx(snr(X, basis.synthesize(kept)), abs=1e-9)
    # against a baseline: 3 random coefficients per slice do worse
    rows = np.arange(500)[:, None]
    pick = np.argsort(rng.random((500, 32)), axis=1)[:, :3]
    random_kept = np.zeros_like(S)
    random_kept[rows, pick] = S[rows, pick]
    assert snrs[2] > snr(X, basis.synthesize(random_kept)) + 2.5  # about 3.4 dB against 10 log10(32/29) = 0.43 dB


def test_the_matching_basis_wins_rate_distortion() -> None:
    dct = dct_basis(32)
    S = np.zeros((400, 32))
    S[np.arange(400), RNG.integers(0, 32, 400)] = RNG.uniform(0.5, 1.0, 400)  # one DCT atom per slice
    X = dct.synthesize(S)
    ours = rate_distortion(X, dct.analyze(X), dct.A)
    theirs = rate_distortion(X, identity_basis(32).analyze(X), np.eye(32))
    assert ours.snr_at(1) > 200 and theirs.snr_at(1) < 10
    assert ours.snr_at_rate(0.5) > theirs.snr_at_rate(0.5) + 10


def test_entropy_rate_rises_with_finer_steps_and_ignores_synthesis_scale() -> None:
    basis = dct_basis(16)
    X = RNG.laplace(size=(2000, 16))
    steps = np.array([1.0, 0.1, 0.01])
    bits, snrs = entropy_rate(X, basis.analyze(X), basis.A, steps=steps)
    assert np.all(np.diff(bits) > 0) and np.all(np.diff(snrs) > 0)
    scaled = Basis(basis.W * 4, basis.A / 4)  # same transform, coefficients 4x larger
    bits2, snr2 = entropy_rate(X, scaled.analyze(X), scaled.A, steps=steps)
    np.testing.assert_allclose(bits2, bits, atol=1e-9)
    np.testing.assert_allclose(snr2, snrs, atol=1e-6)


def test_one_palette_gives_a_method_one_colour_in_every_figure(tmp_path, monkeypatch) -> None:
    from matplotlib.colors import to_rgb

    from wavecraft.analysis import plots
    from wavecraft.analysis.ratedistortion import RateDistortion

    figures = {}
    monkeypatch.setattr(plots, "save_figure", lambda figure, path, force=True: figures.__setitem__(Path(path).stem, figure))
    names = ["dft", "ica"]
    colours = plots.palette(names)
    assert len(set(colours.values())) == 2
    rng = np.random.default_rng(0)
    histograms = {"ensemble samples": np.histogram(rng.standard_normal(500), 20)}
    histograms.update({name: np.histogram(rng.laplace(size=500), 20) for name in names})
    plots.plot_histograms(histograms, tmp_path / "amplitudes.png", colours=colours)
    k = np.arange(1, 5)
    curves = {name: RateDistortion(k, k * 1.0, np.linspace(0.1, 1, 4), k * 2.0) for name in names}
    plots.plot_rate_distortion(curves, tmp_path / "rd.png", colours=colours)
    for figure in figures.values():
        for line in figure.axes[0].get_lines() + figure.axes[-1].get_lines():
            label = line.get_label()
            expected = colours.get(label, plots.OTHER)
            assert to_rgb(line.get_color()) == to_rgb(expected), (label, line.get_color())
    legend_labels = [t.get_text() for t in figures["amplitudes"].axes[0].get_legend().get_texts()]
    assert legend_labels[0] == "ensemble samples" and to_rgb(figures["amplitudes"].axes[0].get_lines()[0].get_color()) == (0, 0, 0)
