"""Are ICA's functions localised in time? Mean temporal spread of PCA and ICA synthesis functions, per corpus and gain.

    .venv/bin/python bench/localisation.py [--corpora speech-en,speech-fr,drums] [--slices 50000] [--window 128] [--sr 8000]

For each corpus, slices are drawn as raw slices (``gain="none"``) and scaled
to unit RMS (``gain="slice"``); PCA, wavecraft's FastICA and scikit-learn's
FastICA are fitted on the same slices, and the temporal spread of every
synthesis function (the standard deviation of time under its squared Hilbert
envelope, :func:`wavecraft.analysis.time_frequency`) is averaged. A ratio
ICA/PCA well below 1 means ICA found functions localised in time; a
rectangular window of M samples has a spread of M/sqrt(12), about 37 samples
at M = 128.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import sklearn.decomposition

from wavecraft.analysis import time_frequency
from wavecraft.bases.ica import ICA
from wavecraft.bases.pca import PCA
from wavecraft.cli.output import format_table

from common import draw_slices, slice_parser


def mean_spread(functions: np.ndarray) -> float:
    """Mean temporal spread, in samples, of the rows of ``functions``."""
    return float(np.mean(time_frequency(functions).time_spread))


def spreads(X: np.ndarray) -> dict[str, float]:
    """Mean spread of PCA's, wavecraft ICA's and scikit-learn FastICA's synthesis functions fitted on ``X``."""
    pca = PCA().fit(X)
    ica = ICA(solver="fastica", random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = sklearn.decomposition.FastICA(whiten="unit-variance", max_iter=400, random_state=0).fit(X)
    return {
        "pca": mean_spread(pca.components_),
        "ica": mean_spread(ica.mixing_.T),
        "sklearn_ica": mean_spread(sk.mixing_.T),
    }


def main() -> None:
    parser = slice_parser(__doc__, 50_000)
    parser.add_argument("--corpora", default="speech-en,speech-fr,drums")
    args = parser.parse_args()
    rows = []
    for name in args.corpora.split(","):
        for gain in ("none", "slice"):
            t0 = time.perf_counter()
            label, X = draw_slices(args, name, gain)
            s = spreads(X / X.std())
            rows.append([label, gain, round(s["pca"], 1), round(s["ica"], 1), round(s["sklearn_ica"], 1),
                         round(s["ica"] / s["pca"], 2), round(time.perf_counter() - t0, 1)])
    print(f"{args.slices} slices x {args.window} samples at {args.sr} Hz; mean temporal spread in samples")
    print(format_table(["corpus", "gain", "pca", "ica", "sklearn_ica", "ica/pca", "seconds"], rows))


if __name__ == "__main__":
    main()
