"""FilterBank: a basis as Conv1d / ConvTranspose1d, perfect reconstruction and the pseudo-inverse path."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from wavecraft.bases import Basis, dct_basis, dft_basis, dwt_basis, encode
from wavecraft.bases.ica import ICA
from wavecraft.nn import FilterBank

M = 32


def signal(n: int = 777, seed: int = 0) -> torch.Tensor:
    return torch.as_tensor(np.random.default_rng(seed).standard_normal((3, 1, n)), dtype=torch.float32)


def random_orthonormal(seed: int) -> Basis:
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((M, M)))
    return Basis(q, q.T, name="random")


@pytest.mark.parametrize("basis", [dft_basis(M), dct_basis(M), dwt_basis(M, "db2"), random_orthonormal(1)], ids=lambda b: b.name)
@pytest.mark.parametrize(("hop", "win"), [(M, "rect"), (M // 2, "sqrt-hann")])
def test_complete_orthonormal_banks_reconstruct_perfectly(basis: Basis, hop: int, win: str) -> None:
    x = signal()
    bank = FilterBank.from_basis(basis, hop=hop, analysis_window=win)
    y = bank(x)
    assert y.shape == x.shape
    assert (torch.linalg.norm(y - x) / torch.linalg.norm(x)).item() < 1e-6
    # the analysis layer computes exactly what the numpy short-time encoder computes
    numpy_coefs = encode(x[0, 0].numpy(), basis, hop=hop, analysis_window=win)
    np.testing.assert_allclose(bank.analysis(x)[0].T.detach().numpy(), numpy_coefs, atol=1e-5)


def test_a_learned_non_orthogonal_basis_reconstructs_through_its_own_inverse() -> None:
    rng = np.random.default_rng(0)
    slices = rng.laplace(size=(4000, M)) @ rng.standard_normal((M, M))
    basis = ICA(random_state=0).fit(slices).to_basis()
    assert not basis.is_orthonormal()
    x = signal()
    assert (torch.linalg.norm(FilterBank.from_basis(basis)(x) - x) / torch.linalg.norm(x)).item() < 1e-5


def test_pseudo_inverse_path_for_over_and_undercomplete_banks() -> None:
    x = signal(32 * 20)
    over = FilterBank.random(M, 2 * M, seed=3)  # N > M: W has full column rank, pinv(W) W = I
    assert over.channels == 2 * M
    assert (torch.linalg.norm(over(x) - x) / torch.linalg.norm(x)).item() < 1e-5
    W = np.random.default_rng(4).standard_normal((M // 2, M))
    under = FilterBank(W)  # N < M: each frame is projected onto the span of the rows
    projection = np.linalg.pinv(W) @ W
    frames = x[0, 0].numpy().reshape(-1, M)
    expected = (frames @ projection.T).ravel()
    np.testing.assert_allclose(under(x)[0, 0].detach().numpy(), expected, atol=1e-4)
    assert torch.linalg.norm(under(x) - x) > 0.3 * torch.linalg.norm(x)


def test_trainable_or_frozen() -> None:
    x = signal()
    frozen = FilterBank.from_basis(dct_basis(M))
    trainable = FilterBank.from_basis(dct_basis(M), trainable=True)
    assert not any(p.requires_grad for p in frozen.parameters())
    trainable.analysis(x).pow(2).mean().backward()
    assert trainable.analysis_layer.weight.grad is not None and trainable.analysis_layer.weight.grad.abs().sum() > 0
    optimiser = torch.optim.SGD(trainable.parameters(), lr=0.1)
    before = trainable.analysis_layer.weight.detach().clone()
    optimiser.step()
    assert not torch.equal(before, trainable.analysis_layer.weight)


def test_pca_and_sparse_coding_bases_as_banks() -> None:
    from wavecraft.bases.pca import PCA
    from wavecraft.bases.sparse import SparseCoding

    rng = np.random.default_rng(5)
    slices = rng.standard_normal((3000, M)) @ rng.standard_normal((M, M))
    x = signal(M * 25)
    pca = PCA(n_components=M // 4).fit(slices).to_basis()  # undercomplete: each frame projected on 8 directions
    frames = x[0, 0].numpy().reshape(-1, M)
    np.testing.assert_allclose(FilterBank.from_basis(pca)(x)[0, 0].detach().numpy(), (frames @ (pca.A @ pca.W).T).ravel(), atol=1e-4)
    sparse = SparseCoding(n_components=2 * M, max_iter=2, random_state=0).fit(slices).to_basis()  # overcomplete: W = pinv(A)
    assert sparse.N == 2 * M
    assert (torch.linalg.norm(FilterBank.from_basis(sparse)(x) - x) / torch.linalg.norm(x)).item() < 1e-4
