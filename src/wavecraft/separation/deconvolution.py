"""Blind deconvolution: learn an FIR filter that makes a signal as non-Gaussian as possible (Bell & Sejnowski, 1995).

A source s (speech: sparse, super-Gaussian) heard through an unknown filter h
becomes x = h * s, which is closer to Gaussian. A causal FIR filter w with T
taps gives u = w * x; maximising the information passed through a logistic
unit y = σ(u) is maximum likelihood with a logistic source density, whose
objective per sample is::

    J(w) = log |w_0| + E[log σ'(u_t)],      σ'(u) = σ(u) (1 - σ(u))

The first term is the log-determinant of the (lower-triangular Toeplitz)
Jacobian of the filtering, which keeps w from shrinking to zero. Its gradient
is ``∂J/∂w_j = [j = 0] / w_0 + E[(1 - 2 y_t) x_{t-j}]``, Bell & Sejnowski's
rule. Here it is followed to convergence by L-BFGS on the whole signal
(FFT convolutions and correlations), rather than by their per-sample steps.

What comes out is a filter that undoes h *and* whitens s: speech itself is
not white, so even with no corruption the learned filter flattens its
spectrum. The product w * h is therefore close to the whitening filter of
clean speech, not to a bare impulse; on a white sparse source it is a
delayed impulse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.optimize
import scipy.signal

from wavecraft.errors import InvalidParameterError


@dataclass(frozen=True)
class Deconvolution:
    """A learned inverse filter and what it gives.

    Attributes
    ----------
    filter : np.ndarray
        The T causal taps w (w[0] applies to the current sample), for the signal scaled to unit variance.
    output : np.ndarray
        ``w * x`` (same length as x), scaled to the input's RMS.
    log_likelihood : float
        J(w) per sample at the end.
    n_iter : int
        L-BFGS iterations.
    """

    filter: np.ndarray
    output: np.ndarray
    log_likelihood: float
    n_iter: int


def deconvolve(
    signal: np.ndarray, taps: int, *, noise_floor_db: float | None = -30.0, max_iter: int = 1000, tol: float = 1e-9
) -> Deconvolution:
    """Learn a causal FIR inverse filter of ``taps`` taps by Infomax and apply it.

    Parameters
    ----------
    signal : np.ndarray
        1-D signal, at least ``10 * taps`` samples.
    taps : int
        T, the filter length (it must cover the corrupting filter's echoes).
    noise_floor_db : float or None
        While learning, white noise this many dB below the signal's RMS is
        added (seeded), so the filter does not boost bands the signal leaves
        empty (telephone speech above 3.8 kHz) by more than about this much:
        without it the whitening part of the filter amplifies them by 40 dB
        or more. ``None`` learns from the signal as it is.
    max_iter : int
        L-BFGS iterations at most.
    tol : float
        Stop when J improves by less than this per iteration.

    Returns
    -------
    Deconvolution
        The filter and the filtered signal.
    """
    x = np.asarray(signal, np.float64)
    if x.ndim != 1 or taps < 1 or x.size < 10 * taps:
        raise InvalidParameterError(f"need a 1-D signal of at least 10 x taps samples and taps >= 1; got {x.shape} and {taps}")
    rms = float(np.std(x))
    if rms == 0:
        raise InvalidParameterError("cannot deconvolve a constant signal")
    x = (x - x.mean()) / rms
    learn = x if noise_floor_db is None else x + 10 ** (noise_floor_db / 20) * np.random.default_rng(0).standard_normal(x.size)
    w0 = np.zeros(taps)
    w0[0] = 1.0
    result = scipy.optimize.minimize(
        _negative_objective, w0, args=(learn,), jac=True, method="L-BFGS-B", options={"maxiter": max_iter, "ftol": tol, "gtol": 1e-8, "maxcor": 30}
    )
    w = result.x
    u = filter_causal(x, w)
    return Deconvolution(w, u / np.std(u) * rms, float(-result.fun), int(result.nit))


def filter_causal(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``u_t = Σ_j w_j x_{t-j}``, the first ``len(x)`` samples of the full convolution."""
    return scipy.signal.fftconvolve(x, w)[: x.size]


def _negative_objective(w: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray]:
    """-J(w) and its gradient (see the module docstring); logistic density, score 1 - 2σ(u) = -tanh(u/2)."""
    n = x.size
    u = filter_causal(x, w)
    # log σ'(u) = -|u| - 2 log(1 + e^{-|u|}), stable for large |u|
    log_density = -np.abs(u) - 2.0 * np.log1p(np.exp(-np.abs(u)))
    score = -np.tanh(u / 2.0)
    # E[score_t x_{t-j}] for j = 0..T-1, by one FFT correlation
    correlation = scipy.signal.fftconvolve(score, x[::-1])[n - 1 : n - 1 + w.size] / n
    gradient = correlation.copy()
    gradient[0] += 1.0 / w[0]
    value = np.log(np.abs(w[0])) + log_density.mean()
    return -value, -gradient


def main_tap_ratio(response: np.ndarray) -> float:
    """Energy of the largest tap over the total energy: 1 for a (delayed, scaled) impulse."""
    energy = np.asarray(response, np.float64) ** 2
    return float(energy.max() / energy.sum())


def echo_filter(delays: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """An FIR filter ``δ_0 + Σ_k gains[k] δ_{delays[k]}`` (a direct path plus echoes)."""
    delays = np.asarray(delays, int)
    h = np.zeros(int(delays.max(initial=0)) + 1)
    h[0] = 1.0
    np.add.at(h, delays, gains)
    return h


def ideal_inverse(h: np.ndarray, taps: int) -> np.ndarray:
    """The first ``taps`` samples of the causal inverse 1 / H(z) (stable when h is minimum-phase)."""
    impulse = np.zeros(taps)
    impulse[0] = 1.0
    return scipy.signal.lfilter([1.0], h, impulse)


def cepstral_peak(signal: np.ndarray, lag: int) -> float:
    """The real cepstrum of the whole signal at ``lag`` samples: an echo at that delay shows as a peak there."""
    spectrum = np.abs(np.fft.rfft(np.asarray(signal, np.float64)))
    return float(np.fft.irfft(np.log(spectrum + 1e-9 * spectrum.max()))[lag])


def spectral_flatness(signal: np.ndarray, nperseg: int = 512) -> float:
    """Geometric over arithmetic mean of the Welch power spectrum: 1 for white noise, near 0 for a peaky spectrum."""
    _, power = scipy.signal.welch(np.asarray(signal, np.float64), nperseg=min(nperseg, len(signal)))
    power = power + 1e-20
    return float(np.exp(np.mean(np.log(power))) / np.mean(power))


def divide_out(response: np.ndarray, whitener: np.ndarray, taps: int) -> np.ndarray:
    """The first ``taps`` samples of ``response / whitener`` computed in the frequency domain (8 x taps points).

    Applied to w * h with the filter learned on the uncorrupted signal as
    ``whitener``, it removes the whitening part and leaves what undoes h.
    """
    n = 8 * max(taps, len(response), len(whitener))
    return np.fft.irfft(np.fft.rfft(response, n) / np.fft.rfft(whitener, n), n)[:taps]
