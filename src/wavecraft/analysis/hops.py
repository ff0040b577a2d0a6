"""The hop-size question: when does overlap-add reconstruct, and which hop does a basis want at a given rate?

Short-time analysis frames a signal every H samples, windows each frame with
``w_a`` and applies W; synthesis applies A, windows with ``w_s``,
overlap-adds and divides by the overlap-added product ``Σ_t w_a w_s(n - tH)``
(:mod:`wavecraft.bases.shorttime`). For a complete basis, ``A W = I``, so
every frame comes back as ``w_a · x`` *whatever the basis*: the DFT is not
special. What is left is the window product: every sample where its
overlap-added sum is positive is rebuilt exactly, every sample where it
vanishes is lost. So

- rectangular windows reconstruct at every hop H ≤ M;
- a √Hann pair, or Hann analysis with rectangular synthesis (both products a
  periodic Hann, zero at the frame's first sample), reconstruct at every
  H < M and lose one sample in M at H = M;
- without the division (the textbook overlap-add), the product must also sum
  to a constant (COLA): rect at every H dividing M, Hann at M/2, M/4, M/8;
  :func:`window_ripple` measures how far a pair is from that.

:func:`predicted_error` is this theory in numbers, :func:`reconstruction_error`
the measurement, and :func:`hop_study` adds the rate–distortion side: the
SNR when each frame keeps its k most important coefficients, at equal
non-zeros per sample k / H, so a smaller hop (more, overlapping frames) must
earn its redundancy.

Examples
--------
>>> from wavecraft.bases import dct_basis
>>> x = np.random.default_rng(0).standard_normal(4096)
>>> measured, predicted = reconstruction_error([x], dct_basis(64), 64, "sqrt-hann"), predicted_error([x], 64, 64, "sqrt-hann")
>>> round(measured, 9) == round(predicted, 9), round(predicted, 2)  # one sample in 64 lost: about sqrt(1/64) of white noise
(True, 0.11)
>>> float(reconstruction_error([x], dct_basis(64), 32, "sqrt-hann")) < 1e-12
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from wavecraft.analysis.ratedistortion import keep_largest
from wavecraft.bases.basis import Basis
from wavecraft.bases.methods import Coder
from wavecraft.bases.shorttime import decode, frame_signal, n_frames, window
from wavecraft.errors import InvalidParameterError
from wavecraft.progress import progress

#: name -> (analysis window, synthesis window)
WINDOW_PAIRS: dict[str, tuple[str, str]] = {"rect": ("rect", "rect"), "sqrt-hann": ("sqrt-hann", "sqrt-hann"), "hann/rect": ("hann", "rect")}
#: Non-zero coefficients per sample at which the rate–distortion of every hop is measured.
RATES = (1 / 32, 1 / 16, 1 / 8, 1 / 4)
#: Below this share of its largest value, the overlap-added window product counts as vanished (as in ``overlap_add``).
VANISHED = 1e-10


def default_hops(M: int) -> tuple[int, ...]:  # noqa: N803
    """M, M/2, M/4, M/8 (those that are at least one sample)."""
    return tuple(sorted({max(1, M // d) for d in (1, 2, 4, 8)}, reverse=True))


def window_product_sum(length: int, M: int, hop: int, pair: str) -> np.ndarray:  # noqa: N803
    """The overlap-added product of a pair's windows over the ``length`` samples of a framed signal."""
    w_a, w_s = (window(name, M) for name in WINDOW_PAIRS[pair])
    count = n_frames(length, M, hop)
    total = np.zeros((count - 1) * hop + M)
    for t in range(count):
        total[t * hop : t * hop + M] += w_a * w_s
    return total[M - hop : M - hop + length]


def window_ripple(M: int, hop: int, pair: str) -> float:  # noqa: N803
    """(max - min) / mean of the overlap-added window product away from the edges: 0 when the pair is COLA at this hop."""
    interior = window_product_sum(8 * M, M, hop, pair)[2 * M : 6 * M]
    return float((interior.max() - interior.min()) / interior.mean())


def predicted_error(signals: Sequence[np.ndarray], M: int, hop: int, pair: str) -> float:  # noqa: N803
    """The relative RMS error a complete basis must make: the energy of the samples where the window product vanishes."""
    lost = total = 0.0
    for x in signals:
        x = np.asarray(x, np.float64)
        norm = window_product_sum(x.size, M, hop, pair)
        lost += float(np.sum(x[norm <= VANISHED * norm.max()] ** 2))
        total += float(np.sum(x**2))
    return float(np.sqrt(lost / total)) if total > 0 else 0.0


def reconstruction_error(signals: Sequence[np.ndarray], basis: Basis, hop: int, pair: str) -> float:
    """The relative RMS error of encoding and decoding ``signals`` with every coefficient kept."""
    error, total = _errors(signals, basis, hop, pair, lambda frames: frames @ basis.W.T)
    return float(np.sqrt(error / total)) if total > 0 else 0.0


def sparse_snr(signals: Sequence[np.ndarray], coder: Coder, hop: int, pair: str, keep: int) -> float:
    """SNR in dB when each frame keeps its ``keep`` most important coefficients (``|s_i| ||a_i||``)."""
    error, total = _errors(signals, coder.basis, hop, pair, lambda frames: keep_largest(coder.encode(frames), coder.basis.A, keep))
    return float(10 * np.log10(total / error)) if error > 0 else float("inf")


def _errors(signals: Sequence[np.ndarray], basis: Basis, hop: int, pair: str, code: Callable[[np.ndarray], np.ndarray]) -> tuple[float, float]:
    """Squared error and energy summed over signals framed with ``pair``, coded by ``code`` (frames -> coefficients) and decoded."""
    analysis, synthesis = WINDOW_PAIRS[pair]
    error = total = 0.0
    for x in signals:
        x = np.asarray(x, np.float64)
        frames = frame_signal(x, basis.M, hop=hop, analysis_window=analysis)
        rebuilt = decode(code(frames), basis, hop=hop, analysis_window=analysis, synthesis_window=synthesis, length=x.size)
        error += float(np.sum((x - rebuilt) ** 2))
        total += float(np.sum(x**2))
    return error, total


@dataclass(frozen=True)
class HopStudy:
    """Every measurement of a hop study.

    Attributes
    ----------
    reconstruction : list of dict
        One row per basis, hop and window pair: ``error`` (measured), ``predicted`` (theory), ``ripple`` (0: COLA).
    rate_distortion : list of dict
        One row per basis, hop, window pair and rate: ``nonzeros_per_sample``, ``keep`` per frame, ``snr_db``.
    M : int
        Frame length.
    hops : tuple of int
        The hops measured, largest first.
    sample_rate : int
        Of the signals.
    seconds : float
        Audio measured.
    """

    reconstruction: list[dict]
    rate_distortion: list[dict]
    M: int  # noqa: N815
    hops: tuple[int, ...]
    sample_rate: int
    seconds: float

    def best_hops(self, pair: str = "sqrt-hann") -> list[dict]:
        """Per basis and rate, the hop with the highest SNR (rect windows at H = M, ``pair`` below)."""
        best: dict[tuple[str, float], dict] = {}
        for row in self.rate_distortion:
            if row["window"] != (pair if row["hop"] < self.M else "rect"):
                continue
            key = (row["method"], row["nonzeros_per_sample"])
            if key not in best or row["snr_db"] > best[key]["snr_db"]:
                best[key] = row
        return [{"method": m, "nonzeros_per_sample": r, "best_hop": row["hop"], "snr_db": row["snr_db"]} for (m, r), row in best.items()]


def hop_study(coders: Mapping[str, Coder], signals: Sequence[np.ndarray], sample_rate: int, *, hops: Sequence[int] | None = None,
              rates: Sequence[float] = RATES) -> HopStudy:
    """Measure reconstruction and rate–distortion of every coder at every hop and window pair.

    Parameters
    ----------
    coders : mapping of str to Coder
        Method spec -> a built or fitted coder; all of one frame length M.
    signals : sequence of np.ndarray
        Held-out signals at ``sample_rate``.
    sample_rate : int
        Their rate.
    hops : sequence of int, optional
        Default :func:`default_hops`; each in [1, M].
    rates : sequence of float, default=RATES
        Non-zero coefficients per sample; a hop measures a rate when it keeps between 1 and N coefficients per frame.

    Returns
    -------
    HopStudy
    """
    lengths = {c.basis.M for c in coders.values()}
    if len(lengths) != 1:
        raise InvalidParameterError(f"the bases of a hop study need one frame length; these have {sorted(lengths)}")
    (M,) = lengths  # noqa: N806
    hops = tuple(sorted(set(hops or default_hops(M)), reverse=True))
    if hops[0] > M or hops[-1] < 1:
        raise InvalidParameterError(f"every hop must be in [1, M={M}], not {hops[0] if hops[0] > M else hops[-1]}")
    reconstruction, curves = [], []
    cells = [(spec, hop, pair) for spec in coders for hop in hops for pair in WINDOW_PAIRS]
    for spec, hop, pair in progress(cells, desc="hops", unit="setting", leave=False):
        coder = coders[spec]
        reconstruction.append({"method": spec, "hop": hop, "window": pair, "error": reconstruction_error(signals, coder.basis, hop, pair),
                               "predicted": predicted_error(signals, M, hop, pair), "ripple": window_ripple(M, hop, pair)})
        for rate in rates:
            keep = int(round(rate * hop))
            if 1 <= keep <= coder.basis.N and abs(keep - rate * hop) < 1e-9:
                curves.append({"method": spec, "hop": hop, "window": pair, "nonzeros_per_sample": rate, "keep": keep,
                               "snr_db": sparse_snr(signals, coder, hop, pair, keep)})
    seconds = sum(np.asarray(x).size for x in signals) / sample_rate
    return HopStudy(reconstruction, curves, M, hops, sample_rate, seconds)
