"""Non-negative matrix factorisation of magnitude spectrograms, plain (NMF) and convolutive (NMFD).

NMF approximates a non-negative F x T matrix V by W H with W (F x K, spectral
templates) and H (K x T, activations) non-negative. NMFD (non-negative matrix
factor deconvolution, Smaragdis 2004) gives each component a spectrogram
template of L frames, W[τ] for τ = 0 .. L-1, so a drum's attack and decay are
one component::

    V ≈ Λ = Σ_τ W[τ] shift_τ(H)        (shift_τ moves H τ frames to the right)

NMF is NMFD with L = 1. Both minimise the β-divergence D_β(V | Λ) (β = 2
Euclidean, 1 Kullback–Leibler, 0 Itakura–Saito) by the multiplicative updates
of Févotte & Idier (2011), raised to the power γ(β) that guarantees the cost
never increases (1/(2-β) below β = 1, 1 up to β = 2)::

    H ← H ⊙ (Σ_τ W[τ]ᵀ shift_-τ(Λ^(β-2) ⊙ V) / Σ_τ W[τ]ᵀ shift_-τ(Λ^(β-1)))^γ
    W[τ] ← W[τ] ⊙ ((Λ^(β-2) ⊙ V) shift_τ(H)ᵀ / Λ^(β-1) shift_τ(H)ᵀ)^γ

Every update is a handful of batched matrix products over all τ at once.
After each W update the templates are scaled to unit total energy and H
takes the scale, so the factorisation is unique up to order.

With ``decay_after`` = a, each template's level (its frame's sum over
frequency) may only fall from frame a on: after each W update, frame τ > a
is scaled down to the level of frame τ - 1 where it is louder. A drum's sound
decays after its attack, so this keeps a long template from learning two hits
of a pattern (a loop whose drums always play together is otherwise free to
make one component of them); it is a projection after the update, so the cost
may rise a little where it bites.

With ``hold_templates`` = n, the first n iterations update H alone: given
templates (a library of real drums, say) first place the activations, and
only then adapt to the signal (semi-adaptive NMFD, Dittmar & Müller 2016).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wavecraft.errors import InvalidParameterError

EPS = 1e-12


@dataclass(frozen=True)
class Factorisation:
    """``V ≈ Σ_τ W[τ] shift_τ(H)``.

    Attributes
    ----------
    W : np.ndarray
        Templates, shape ``(L, F, K)`` (L = 1 for plain NMF).
    H : np.ndarray
        Activations, shape ``(K, T)``.
    costs : np.ndarray
        β-divergence after each iteration (non-increasing, unless the templates are held to decay).
    beta : float
        The divergence.
    """

    W: np.ndarray
    H: np.ndarray
    costs: np.ndarray
    beta: float

    def component(self, k: int) -> np.ndarray:
        """Component ``k``'s part of the model, shape ``(F, T)``."""
        return reconstruct(self.W[:, :, k : k + 1], self.H[k : k + 1])

    def model(self) -> np.ndarray:
        """The full model Λ, shape ``(F, T)``."""
        return reconstruct(self.W, self.H)


def beta_divergence(V: np.ndarray, model: np.ndarray, beta: float) -> float:
    """D_β(V | model), summed over all entries."""
    V, model = np.maximum(V, EPS), np.maximum(model, EPS)
    if beta == 1:
        return float(np.vdot(V, np.log(V / model)) - V.sum() + model.sum())
    if beta == 0:
        ratio = V / model
        return float(np.sum(ratio - np.log(ratio) - 1))
    return float(np.sum((V**beta + (beta - 1) * model**beta - beta * V * model ** (beta - 1)) / (beta * (beta - 1))))


def shifted(H: np.ndarray, L: int) -> np.ndarray:
    """``shift_τ(H)`` for τ = 0 .. L-1, stacked: shape ``(L, K, T)``."""
    K, T = H.shape
    out = np.zeros((L, K, T), H.dtype)
    for tau in range(L):
        out[tau, :, tau:] = H[:, : T - tau]
    return out


def correlate_templates(W: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``Σ_τ W[τ]ᵀ shift_-τ(X)``, shape ``(K, T)``: one matrix product for every τ, then shifted sums of K x T rows."""
    L, F, K = W.shape
    per_lag = (W.transpose(0, 2, 1).reshape(L * K, F) @ X).reshape(L, K, -1)
    T = X.shape[1]
    out = per_lag[0].copy()
    for tau in range(1, L):
        out[:, : T - tau] += per_lag[tau, :, tau:]
    return out


def reconstruct(W: np.ndarray, H: np.ndarray) -> np.ndarray:
    """``Σ_τ W[τ] shift_τ(H)``, shape ``(F, T)``."""
    return np.einsum("lfk,lkt->ft", W, shifted(H, W.shape[0]), optimize=True)


def nmfd(
    V: np.ndarray,
    n_components: int,
    *, n_frames: int = 1,
    beta: float = 1.0,
    n_iter: int = 200,
    seed: int = 0,
    W: np.ndarray | None = None,
    H: np.ndarray | None = None,
    decay_after: int | None = None,
    hold_templates: int = 0,
) -> Factorisation:
    """Factorise a non-negative matrix by NMFD (``n_frames`` > 1) or NMF (``n_frames`` = 1).

    Parameters
    ----------
    V : np.ndarray
        Non-negative, shape ``(F, T)`` (a magnitude spectrogram: frequency x time).
    n_components : int
        K.
    n_frames : int
        L, frames per template.
    beta : float
        β of the divergence, in [0, 2]: 2 Euclidean, 1 Kullback–Leibler, 0 Itakura–Saito.
    n_iter : int
        Multiplicative updates of H and W.
    seed : int
        Seeds the random initialisation.
    W, H : np.ndarray, optional
        Initial templates ``(L, F, K)`` and activations ``(K, T)`` instead of random ones.
    decay_after : int, optional
        The template frame from which each template's level may only fall (see the module's notes); None: free.
    hold_templates : int
        Iterations at the start that update H alone (the given ``W`` held).

    Returns
    -------
    Factorisation
        Templates, activations and the cost after every iteration.
    """
    V = np.asarray(V, np.float64)
    if V.ndim != 2 or np.any(V < 0) or not np.isfinite(V).all():
        raise InvalidParameterError("NMF needs a finite, non-negative 2-D matrix")
    if not 0 <= beta <= 2:
        raise InvalidParameterError(f"beta must be in [0, 2], not {beta}")
    if n_components < 1 or n_frames < 1 or n_iter < 1 or hold_templates < 0:
        raise InvalidParameterError("n_components, n_frames and n_iter must be >= 1, hold_templates >= 0")
    F, T = V.shape
    rng = np.random.default_rng(seed)
    scale = np.sqrt(V.mean() / n_components) + EPS
    W = rng.uniform(0.5, 1.5, (n_frames, F, n_components)) * scale if W is None else np.array(W, np.float64)
    H = rng.uniform(0.5, 1.5, (n_components, T)) * scale if H is None else np.array(H, np.float64)
    gamma = _exponent(beta)
    costs = np.empty(n_iter)
    model = reconstruct(W, H)
    for i in range(n_iter):
        H = H * _ratio(V, model, W, H, beta, "H") ** gamma
        if i >= hold_templates:
            W = W * _ratio(V, reconstruct(W, H), W, H, beta, "W") ** gamma
            if decay_after is not None:
                W = decaying(W, decay_after)
        W, H = _normalise(W, H)
        model = reconstruct(W, H)  # the cost's model is the next H update's
        costs[i] = beta_divergence(V, model, beta)
    return Factorisation(W, H, costs, beta)


def fit_templates(V: np.ndarray, H: np.ndarray, W: np.ndarray, *, beta: float = 1.0, n_iter: int = 200) -> np.ndarray:
    """Templates for ``V ≈ Σ_τ W[τ] shift_τ(H)`` with the activations held: the W updates alone.

    Each frequency bin is then a problem of its own (convex for β in [1, 2]), so the bins
    a factorisation did not see can be given templates after it.

    Parameters
    ----------
    V : np.ndarray
        Non-negative, shape ``(F, T)``.
    H : np.ndarray
        The held activations, ``(K, T)``.
    W : np.ndarray
        Positive initial templates, ``(L, F, K)``.
    beta : float
        β of the divergence, in [0, 2].
    n_iter : int
        Multiplicative updates.

    Returns
    -------
    np.ndarray
        The templates, ``(L, F, K)``.
    """
    V, W = np.asarray(V, np.float64), np.array(W, np.float64)
    for _ in range(n_iter):
        W = W * _ratio(V, reconstruct(W, H), W, H, beta, "W") ** _exponent(beta)
    return W


def decaying(W: np.ndarray, start: int) -> np.ndarray:
    """Templates ``(L, F, K)`` whose frames from ``start`` on are scaled down, where need be, to the previous frame's level."""
    level = W[start:].sum(axis=1)  # (L - start, K)
    held = np.minimum.accumulate(level, axis=0) / np.maximum(level, EPS)
    return np.concatenate([W[:start], W[start:] * held[:, None, :]])


def _exponent(beta: float) -> float:
    """γ(β), the power of the multiplicative updates that keeps the cost from rising: 1/(2-β) below β = 1, else 1."""
    return 1.0 / (2.0 - beta) if beta < 1 else 1.0


def _ratio(V: np.ndarray, model: np.ndarray, W: np.ndarray, H: np.ndarray, beta: float, which: str) -> np.ndarray:
    """Numerator over denominator of the multiplicative update of H or W, where ``model`` is ``reconstruct(W, H)``."""
    weighted, base = _weights(V, np.maximum(model, EPS), beta)
    L = W.shape[0]
    if which == "H":
        numerator = correlate_templates(W, weighted)
        if base is None:  # Kullback-Leibler: the denominator is a sum of W over frequency, at every frame it reaches
            denominator = np.einsum("lk,lt->kt", W.sum(axis=1), _reach(L, V.shape[1]), optimize=True)
        else:
            denominator = correlate_templates(W, base)
    else:
        H_shift = shifted(H, L)
        numerator = np.einsum("ft,lkt->lfk", weighted, H_shift, optimize=True)
        if base is None:
            denominator = np.broadcast_to(H_shift.sum(axis=2)[:, None, :], W.shape)
        else:
            denominator = np.einsum("ft,lkt->lfk", base, H_shift, optimize=True)
    return numerator / np.maximum(denominator, EPS)


def _weights(V: np.ndarray, model: np.ndarray, beta: float) -> tuple[np.ndarray, np.ndarray | None]:
    """``Λ^(β-2) ⊙ V`` and ``Λ^(β-1)``, without general powers for β = 1 (``V / Λ`` and ones, returned as None) and β = 2."""
    if beta == 1:
        return V / model, None
    if beta == 2:
        return V, model
    return model ** (beta - 2) * V, model ** (beta - 1)


def _reach(L: int, T: int) -> np.ndarray:
    """``(L, T)``: 1 where frame t + τ exists (what ``correlate_templates`` sees of a matrix of ones)."""
    return (np.arange(T)[None, :] + np.arange(L)[:, None] < T).astype(float)


def _normalise(W: np.ndarray, H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scale each template to unit Frobenius norm (over τ and F) and move the scale into H."""
    norms = np.sqrt(np.sum(W**2, axis=(0, 1))) + EPS
    return W / norms, H * norms[:, None]
