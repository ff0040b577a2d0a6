"""Analysis of any basis (or set of filters): time-frequency localisation, coefficient statistics, rate-distortion, plots."""

from wavecraft.analysis.coefficients import amplitude_histogram, kurtosis
from wavecraft.analysis.ratedistortion import (
    RateDistortion,
    best_k_snr,
    entropy_rate,
    keep_largest,
    rate_distortion,
)
from wavecraft.analysis.timefrequency import TimeFrequency, time_frequency

__all__ = [
    "RateDistortion",
    "TimeFrequency",
    "amplitude_histogram",
    "best_k_snr",
    "entropy_rate",
    "keep_largest",
    "kurtosis",
    "rate_distortion",
    "time_frequency",
]
