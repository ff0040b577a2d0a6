"""Build any basis from a method spec: ``dft``, ``dct``, ``identity``, ``dwt:WAVELET``, ``pca``, ``ica[:SOLVER]``, ``sparse``, ``rbm``.

Explicit methods need only the slice length; learned ones are fitted on an
ensemble's training slices. Every method gives a :class:`Coder`: the basis,
and the encoder that produces its coefficients (``W x`` for linear
transforms, FISTA for sparse coding, the hidden probabilities of an RBM).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from wavecraft.bases.basis import Basis
from wavecraft.bases.explicit import dct_basis, dft_basis, dwt_basis, identity_basis
from wavecraft.bases.ica import ICA, SOLVERS
from wavecraft.bases.learned import LearnedTransform
from wavecraft.bases.pca import PCA
from wavecraft.bases.rbm import RBM
from wavecraft.bases.sparse import SparseCoding
from wavecraft.errors import InvalidParameterError
from wavecraft.progress import progress

EXPLICIT = {"dft": dft_basis, "dct": dct_basis, "identity": identity_basis}
LEARNED = ("pca", "ica", "sparse", "rbm")
#: the learned methods whose coefficients come from a non-linear encoder (the estimator's ``transform``), not from ``W x``
NONLINEAR = ("sparse", "rbm")
METHODS_HELP = "dft, dct, identity, dwt:WAVELET (e.g. dwt:db4), pca, ica[:fastica|infomax|orthonormal-l1], sparse, rbm"


@dataclass(frozen=True)
class Coder:
    """A basis with its encoder.

    Attributes
    ----------
    basis : Basis
        W, A and provenance.
    encode : callable
        Slices ``(n, M)`` -> coefficients ``(n, N)``.
    estimator : LearnedTransform or None
        The fitted estimator of a learned method.
    fit_seconds : float
        Time spent learning (0 for explicit bases).
    """

    basis: Basis
    encode: Callable[[np.ndarray], np.ndarray]
    estimator: LearnedTransform | None = None
    fit_seconds: float = 0.0


def parse_method(spec: str) -> tuple[str, str | None]:
    """Split ``"dwt:db4"`` into ``("dwt", "db4")``; check the method exists."""
    name, _, option = spec.partition(":")
    if name not in EXPLICIT and name not in LEARNED and name != "dwt":
        raise InvalidParameterError(f"unknown method {spec!r}; choose from {METHODS_HELP}")
    if name == "ica" and option and option not in SOLVERS:
        raise InvalidParameterError(f"unknown ICA solver {option!r}; choose from {', '.join(SOLVERS)}")
    if name in ("pca", "sparse", "rbm", *EXPLICIT) and option:
        raise InvalidParameterError(f"method {name} takes no option (got {spec!r})")
    return name, option or None


def make_coder(
    spec: str,
    M: int,  # noqa: N803 - the literature's name
    sample_rate: int,
    *, train: np.ndarray | None = None,
    n_components: int | None = None,
    seed: int = 0,
    alpha: float = 0.1,
    max_iter: int | None = None,
    provenance: dict | None = None,
) -> Coder:
    """Build the coder of one method.

    Parameters
    ----------
    spec : str
        See the module docstring.
    M : int
        Slice length.
    sample_rate : int
        Recorded in the basis.
    train : np.ndarray, optional
        Training slices ``(K, M)``; required by learned methods.
    n_components : int, optional
        N for learned methods; default M.
    seed : int
        Seed of learned methods.
    alpha : float
        Sparse coding's λ relative to the RMS of the training slices.
    max_iter : int, optional
        Iterations (ICA) or epochs (sparse coding, RBM); default the estimator's.
    provenance : dict, optional
        Extra facts recorded in a learned basis (e.g. the corpus).

    Returns
    -------
    Coder
        The basis and its encoder.
    """
    name, option = parse_method(spec)
    if name in EXPLICIT:
        basis = EXPLICIT[name](M, sample_rate)
        return Coder(basis, basis.analyze)
    if name == "dwt":
        basis = dwt_basis(M, option or "db4", sample_rate=sample_rate)
        return Coder(basis, basis.analyze)
    if train is None or train.shape[1] != M:
        raise InvalidParameterError(f"method {spec} needs training slices of {M} samples")
    extra = {} if max_iter is None else {"max_iter": max_iter}
    if name == "pca":
        estimator: LearnedTransform = PCA(n_components=n_components)
    elif name == "ica":
        estimator = ICA(n_components=n_components, solver=option or "fastica", random_state=seed, **extra)
    elif name == "rbm":
        estimator = RBM(n_components=n_components, random_state=seed, **extra)
    else:
        scale = float(np.sqrt(np.mean(np.square(train, dtype=np.float64)))) or 1.0
        estimator = SparseCoding(n_components=n_components, alpha=alpha * scale, random_state=seed, **extra)
    started = time.perf_counter()
    estimator.fit(train)
    seconds = time.perf_counter() - started
    facts = {"spec": spec, "training_slices": len(train), "seed": seed, **(provenance or {})}
    basis = estimator.to_basis(sample_rate, facts)
    encode = estimator.transform if name in NONLINEAR else basis.analyze
    return Coder(basis, encode, estimator, seconds)


def make_coders(specs: Sequence[str], M: int, sample_rate: int, train: np.ndarray | None = None, *,  # noqa: N803
                n_components: int | None = None, seed: int = 0, alpha: float = 0.1) -> dict[str, Coder]:
    """:func:`make_coder` for every spec, in order, with a progress bar: spec -> coder."""
    return {spec: make_coder(spec, M, sample_rate, train=train, n_components=n_components, seed=seed, alpha=alpha)
            for spec in progress(list(specs), desc="bases", unit="basis", leave=False)}
