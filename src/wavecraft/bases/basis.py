"""The :class:`Basis`: an analysis matrix W and a synthesis matrix A on slices of M samples.

``s = W x`` gives N coefficients for a slice ``x`` of M samples and
``x ≈ A s`` resynthesises it (N < M undercomplete, N = M complete, N > M
overcomplete). Every transform in wavecraft, explicit or learned, ends up as
one of these; :mod:`wavecraft.bases.shorttime` applies it to whole signals.

Saved as ``.npz`` with arrays ``W`` (N x M), ``A`` (M x N) and ``meta`` (a
JSON string): plain numpy reads it, and loading never unpickles.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from wavecraft.atomic import atomic_path
from wavecraft.errors import InvalidParameterError, ModelFileError
from wavecraft.npzfile import meta_int, read_npz

FORMAT_VERSION = 1


@dataclass(frozen=True, eq=False)
class Basis:
    """Analysis and synthesis matrices of a transform on slices of M samples.

    Attributes
    ----------
    W : np.ndarray
        Analysis matrix, shape ``(N, M)``; its rows are the basis (analysis) functions.
    A : np.ndarray
        Synthesis matrix, shape ``(M, N)``; its columns are the synthesis functions.
    sample_rate : int
        Rate of the slices the basis applies to (0 when it does not matter).
    name : str
        Short name, e.g. ``"dct"``, ``"dwt:db4"``, ``"ica"``.
    provenance : dict
        JSON-ready facts about where the basis came from (method, parameters,
        corpus, seed, ...).
    """

    W: np.ndarray
    A: np.ndarray
    sample_rate: int = 0
    name: str = ""
    provenance: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        W, A = np.asarray(self.W), np.asarray(self.A)
        if W.ndim != 2 or A.ndim != 2 or A.shape != W.shape[::-1]:
            raise InvalidParameterError(f"a basis needs W (N x M) and A (M x N); got W {W.shape}, A {A.shape}")
        if not (np.isfinite(W).all() and np.isfinite(A).all()):
            raise InvalidParameterError(f"basis {self.name!r} has NaN or infinite entries")
        if not (W.any() and A.any()):
            raise InvalidParameterError(f"basis {self.name!r} is all zeros: it would encode everything as silence")
        object.__setattr__(self, "W", W)
        object.__setattr__(self, "A", A)

    @property
    def M(self) -> int:  # noqa: N802 - the literature's name
        """Samples per slice."""
        return self.W.shape[1]

    @property
    def N(self) -> int:  # noqa: N802 - the literature's name
        """Number of coefficients (basis functions)."""
        return self.W.shape[0]

    def analyze(self, x: np.ndarray) -> np.ndarray:
        """Coefficients ``s = W x`` of slices ``x`` of shape ``(..., M)``; returns ``(..., N)``."""
        return np.asarray(x) @ self.W.T

    def synthesize(self, s: np.ndarray) -> np.ndarray:
        """Slices ``A s`` from coefficients of shape ``(..., N)``; returns ``(..., M)``."""
        return np.asarray(s) @ self.A.T

    def is_orthonormal(self, atol: float = 1e-8) -> bool:
        """Whether W is square with orthonormal rows and A is its transpose."""
        return (
            self.N == self.M
            and np.allclose(self.W @ self.W.T, np.eye(self.N), atol=atol)
            and np.allclose(self.A, self.W.T, atol=atol)
        )

    def save(self, path: str | os.PathLike, force: bool = False) -> Path:
        """Write the basis to an ``.npz`` file atomically (refusing to overwrite without ``force``)."""
        meta = {"format": FORMAT_VERSION, "name": self.name, "sample_rate": self.sample_rate, "provenance": self.provenance}
        with atomic_path(path, force=force) as tmp, open(tmp, "wb") as f:
            np.savez(f, W=self.W, A=self.A, meta=np.array(json.dumps(meta)))
        return Path(path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Basis:
        """Read a basis written by :meth:`save` (no pickle is ever loaded).

        Raises
        ------
        ModelFileError
            When the file is missing or not a wavecraft basis.
        """
        arrays, meta = read_npz(path, ("W", "A"), "basis")
        name, provenance = meta.get("name", ""), meta.get("provenance", {})
        if not isinstance(name, str) or not isinstance(provenance, dict):
            raise ModelFileError(f"{path}: not a wavecraft basis (its name or provenance has the wrong type)")
        try:
            return cls(arrays["W"], arrays["A"], meta_int(meta, "sample_rate", path, default=0), name, provenance)
        except InvalidParameterError as err:
            raise ModelFileError(f"{path}: {err}") from None
