"""WaveletTree: pywt.wavedec at initialisation, perfect reconstruction before and after training."""

from __future__ import annotations

import numpy as np
import pytest
import pywt
import torch

from wavecraft.bases import dwt_basis
from wavecraft.errors import InvalidParameterError
from wavecraft.nn import WaveletTree
from wavecraft.nn.wavelet import lattice_angles

WAVELETS = ["haar", "db2", "db3", "db4", "sym5", "coif2"]


@pytest.mark.parametrize("wavelet", WAVELETS)
def test_initial_tree_is_pywt_wavedec(wavelet: str) -> None:
    x = torch.randn(3, 1, 128)
    tree = WaveletTree(wavelet, levels=3)
    bands = tree.analysis(x)
    expected = pywt.wavedec(x[:, 0].numpy().astype(np.float64), wavelet, mode="periodization", level=3, axis=-1)
    assert [b.shape[-1] for b in bands] == [e.shape[-1] for e in expected]
    for band, reference in zip(bands, expected):
        np.testing.assert_allclose(band[:, 0].detach().numpy(), reference, atol=2e-6)
    np.testing.assert_allclose(tree(x)[0, 0].detach().numpy(), dwt_basis(128, wavelet, level=3).W @ x[0, 0].numpy(), atol=2e-6)
    lo, hi = tree.filters()
    np.testing.assert_allclose(lo, pywt.Wavelet(wavelet).dec_lo, atol=1e-6)
    np.testing.assert_allclose(hi, pywt.Wavelet(wavelet).dec_hi, atol=1e-6)


def test_perfect_reconstruction_survives_training() -> None:
    torch.manual_seed(0)
    tree = WaveletTree("db4", levels=4)
    x = torch.randn(8, 1, 256)
    optimiser = torch.optim.Adam(tree.parameters(), lr=0.05)
    sparsity = []
    for _ in range(40):  # make the coefficients sparser: an L1 penalty on the details
        optimiser.zero_grad()
        loss = sum(band.abs().mean() for band in tree.analysis(x)[1:])
        loss.backward()
        optimiser.step()
        sparsity.append(loss.item())
    assert sparsity[-1] < sparsity[0]  # the angles moved...
    lo, _ = tree.filters()
    assert np.abs(lo - pywt.Wavelet("db4").dec_lo).max() > 1e-3
    y = torch.randn(2, 1, 256)
    back = tree.synthesis(tree.analysis(y))
    assert (back - y).abs().max().item() < 1e-5  # ...and reconstruction is still perfect
    energy = sum(b.square().sum() for b in tree.analysis(y))
    torch.testing.assert_close(energy, y.square().sum(), rtol=1e-5, atol=1e-4)  # and orthogonal (Parseval)
    assert np.sum(lo**2) == pytest.approx(1.0, abs=1e-5)


def test_lattice_rejects_non_orthogonal_pairs_and_bad_lengths() -> None:
    bior = pywt.Wavelet("bior2.2")
    with pytest.raises(InvalidParameterError):
        lattice_angles(np.array(bior.dec_lo), np.array(bior.dec_hi))
    with pytest.raises(InvalidParameterError):
        WaveletTree("bior2.2")
    with pytest.raises(InvalidParameterError):
        WaveletTree("db2", levels=3).analysis(torch.randn(1, 1, 100))
