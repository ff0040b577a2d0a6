"""Compare bases on one ensemble, on the same footing: localisation, sparsity, rate–distortion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from wavecraft.analysis.coefficients import kurtosis
from wavecraft.analysis.ratedistortion import RateDistortion, rate_distortion
from wavecraft.analysis.timefrequency import TimeFrequency, time_frequency
from wavecraft.bases.methods import Coder, make_coder
from wavecraft.corpus.ensemble import Ensemble
from wavecraft.progress import progress

#: Rate–distortion is measured on at most this many held-out slices.
MAX_EVALUATION_SLICES = 4000


@dataclass(frozen=True)
class BasisResult:
    """Everything measured about one basis.

    Attributes
    ----------
    spec : str
        The method spec (``"dwt:db4"``).
    coder : Coder
        The basis and its encoder.
    localisation : TimeFrequency
        Of the synthesis functions (columns of A).
    kurtosis : np.ndarray
        Excess kurtosis of each coefficient on the held-out slices.
    rate_distortion : RateDistortion
        On the held-out slices.
    """

    spec: str
    coder: Coder
    localisation: TimeFrequency
    kurtosis: np.ndarray
    rate_distortion: RateDistortion

    def row(self, keep: Sequence[int]) -> dict:
        """A JSON-ready summary: sizes, mean localisation, median kurtosis, SNR at chosen k and at 1 and 2 bits/sample."""
        return {
            "method": self.spec,
            "N": self.coder.basis.N,
            "fit_seconds": round(self.coder.fit_seconds, 3),
            "mean_time_spread_ms": round(1e3 * float(np.mean(self.localisation.time_spread)), 4),
            "mean_bandwidth_hz": round(float(np.mean(self.localisation.bandwidth)), 2),
            "median_kurtosis": round(float(np.median(self.kurtosis)), 3),
            **{f"snr_k{k}_db": round(self.rate_distortion.snr_at(k), 3) for k in keep},
            "snr_1bit_db": round(self.rate_distortion.snr_at_rate(1.0), 3),
            "snr_2bit_db": round(self.rate_distortion.snr_at_rate(2.0), 3),
        }


def compare_bases(
    ens: Ensemble, specs: Sequence[str], n_components: int | None = None, seed: int = 0, alpha: float = 0.1
) -> list[BasisResult]:
    """Build (or learn on ``ens.train``) every basis and measure it on ``ens.held_out``.

    Parameters
    ----------
    ens : Ensemble
        Training slices for the learned methods, held-out slices for every measure.
    specs : sequence of str
        Method specs (see :mod:`wavecraft.bases.methods`).
    n_components : int, optional
        N for the learned methods; default M.
    seed : int
        Seed of the learned methods.
    alpha : float
        Sparse coding's relative λ.

    Returns
    -------
    list of BasisResult
        In the order of ``specs``.
    """
    held_out = ens.held_out[:MAX_EVALUATION_SLICES] if len(ens.held_out) else ens.train[:MAX_EVALUATION_SLICES]
    results = []
    for spec in progress(specs, desc="bases", unit="basis", leave=False):
        coder = make_coder(spec, ens.slice_len, ens.sample_rate, ens.train, n_components, seed, alpha)
        coefficients = coder.encode(held_out)
        results.append(
            BasisResult(
                spec=spec,
                coder=coder,
                localisation=time_frequency(coder.basis.A.T, ens.sample_rate),
                kurtosis=kurtosis(coefficients),
                rate_distortion=rate_distortion(held_out, coefficients, coder.basis.A),
            )
        )
    return results
