"""Rate–distortion of a transform on held-out slices: faithfulness weighed against sparsity.

Two curves, both from coefficients ``S`` (n x N) of slices ``X`` (n x M) and the
synthesis matrix ``A`` (M x N):

- *best-k*: the SNR of resynthesis when each slice keeps only its k most
  important coefficients, k = 1 ... N. Importance is ``|s_i| * ||a_i||``, the
  size of the coefficient's contribution (the plain magnitude for an
  orthonormal basis);
- *entropy*: contributions ``s_i ||a_i||`` quantised with one uniform step Δ
  (so a step costs the same distortion in every coefficient, whatever the
  scale of its synthesis function), the rate estimated as the summed
  per-coefficient entropy of the quantised values in bits per sample, against
  the SNR of their resynthesis; a sweep of Δ traces the curve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wavecraft.metrics import snr


@dataclass(frozen=True)
class RateDistortion:
    """Both curves of one transform.

    Attributes
    ----------
    k : np.ndarray
        1 ... N.
    snr_k : np.ndarray
        dB when keeping k coefficients per slice.
    bits_per_sample : np.ndarray
        Entropy rates of the quantisation sweep.
    snr_bits : np.ndarray
        dB at those rates.
    """

    k: np.ndarray
    snr_k: np.ndarray
    bits_per_sample: np.ndarray
    snr_bits: np.ndarray

    def snr_at(self, k: int) -> float:
        """SNR in dB keeping ``k`` coefficients (clipped to N)."""
        return float(self.snr_k[min(k, len(self.k)) - 1])

    def snr_at_rate(self, bits: float) -> float:
        """SNR in dB at ``bits`` per sample, interpolated along the entropy curve."""
        order = np.argsort(self.bits_per_sample)
        return float(np.interp(bits, self.bits_per_sample[order], self.snr_bits[order]))


def importance_order(S: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Per slice, coefficient indices from most to least important (``|s_i| * ||a_i||``)."""
    return np.argsort(-np.abs(S) * np.linalg.norm(A, axis=0), axis=1)


def keep_largest(S: np.ndarray, A: np.ndarray, k: int) -> np.ndarray:
    """Coefficients with all but each slice's ``k`` most important set to zero."""
    order = importance_order(S, A)[:, :k]
    kept = np.zeros_like(S)
    rows = np.arange(len(S))[:, None]
    kept[rows, order] = S[rows, order]
    return kept


def best_k_snr(X: np.ndarray, S: np.ndarray, A: np.ndarray) -> np.ndarray:
    """SNR (dB) keeping the k most important coefficients of each slice, for k = 1 ... N.

    Built incrementally: the k-th reconstruction adds each slice's k-th most
    important contribution to the (k-1)-th, so all N cost N rank-1 updates.
    """
    X = np.asarray(X, np.float64)
    S = np.asarray(S, np.float64)
    A = np.asarray(A, np.float64)
    order = importance_order(S, A)
    rows = np.arange(len(S))[:, None]
    reconstruction = np.zeros_like(X)
    energy = float(np.sum(X**2))
    snr = np.empty(S.shape[1])
    for k in range(S.shape[1]):
        index = order[:, k]
        reconstruction += S[rows[:, 0], index][:, None] * A[:, index].T
        error = float(np.sum((X - reconstruction) ** 2))
        snr[k] = np.inf if error == 0 else 10.0 * np.log10(energy / error)
    return snr


def entropy_rate(X: np.ndarray, S: np.ndarray, A: np.ndarray, *, steps: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Entropy (bits per sample) and SNR (dB) of uniformly quantised coefficients, for a sweep of steps.

    Parameters
    ----------
    X, S, A : np.ndarray
        Slices, their coefficients and the synthesis matrix.
    steps : np.ndarray, optional
        Quantisation steps; default 24 steps log-spaced from 1/1000 to 2 times
        the RMS contribution.

    Returns
    -------
    bits_per_sample, snr : np.ndarray
        One value per step.
    """
    A = np.asarray(A, np.float64)
    norms = np.linalg.norm(A, axis=0)
    norms = np.where(norms > 0, norms, 1.0)
    contributions = np.asarray(S, np.float64) * norms
    scale = float(np.sqrt(np.mean(contributions**2))) or 1.0
    steps = np.geomspace(1e-3, 2.0, 24) * scale if steps is None else np.asarray(steps, np.float64)
    bits, snrs = np.empty(len(steps)), np.empty(len(steps))
    for i, step in enumerate(steps):
        q = np.round(contributions / step)
        bits[i] = sum(_entropy_bits(q[:, j]) for j in range(q.shape[1])) / X.shape[1]
        snrs[i] = snr(X, (q * step / norms) @ A.T)
    return bits, snrs


def rate_distortion(X: np.ndarray, S: np.ndarray, A: np.ndarray) -> RateDistortion:
    """Both rate–distortion curves of coefficients ``S`` of slices ``X`` under synthesis matrix ``A``."""
    bits, snr_bits = entropy_rate(X, S, A)
    return RateDistortion(np.arange(1, S.shape[1] + 1), best_k_snr(X, S, A), bits, snr_bits)


def _entropy_bits(values: np.ndarray) -> float:
    """Empirical entropy in bits of a sequence of quantised values."""
    _, counts = np.unique(values, return_counts=True)
    p = counts / counts.sum()
    return float(-np.sum(p * np.log2(p)))
