"""IIRBank: stable by construction, two paths that agree with scipy, and exact gradients."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
import torch

from wavecraft.errors import InvalidParameterError
from wavecraft.nn import IIRBank
from wavecraft.nn.iir import R_MAX


def test_both_paths_equal_scipy_sosfilt() -> None:
    bank = IIRBank(3, 2, seed=1).double()
    x = torch.randn(2, 1, 600, dtype=torch.float64)
    sos = np.concatenate([bank.numerator.detach().numpy(), bank.denominators().detach().numpy()], axis=-1)
    expected = np.stack([scipy.signal.sosfilt(sos[f], x[:, 0].numpy(), axis=-1) for f in range(3)], axis=1)
    for method in ("recursive", "frequency"):
        bank.method = method
        np.testing.assert_allclose(bank(x).detach().numpy(), expected, atol=1e-8)


def test_poles_stay_inside_the_unit_circle_for_any_parameters() -> None:
    bank = IIRBank(4, 3)
    with torch.no_grad():
        bank.radius_logit.copy_(torch.linspace(-50, 50, 12).reshape(4, 3))
        bank.angle_logit.copy_(torch.linspace(50, -50, 12).reshape(4, 3))
    assert bank.poles().abs().max() <= R_MAX < 1.0
    single = IIRBank(4, 1)
    with torch.no_grad():
        single.radius_logit.fill_(50.0)  # every pole at the largest radius
    impulse = torch.zeros(1, 1, 30_000)
    impulse[..., 0] = 1
    response = single(impulse)
    assert torch.isfinite(response).all() and response[..., -100:].abs().max() < 1e-4 * response.abs().max()  # float32 FFT floor


@pytest.mark.parametrize("method", ["recursive", "frequency"])
def test_gradcheck(method: str) -> None:
    bank = IIRBank(2, 2, method=method, seed=2).double()
    x = torch.randn(1, 1, 32, dtype=torch.float64, requires_grad=True)
    params = (bank.radius_logit, bank.angle_logit, bank.numerator)

    def run(x, r, a, b):
        bank.radius_logit.data, bank.angle_logit.data, bank.numerator.data = r.data, a.data, b.data
        return torch.func.functional_call(bank, {"radius_logit": r, "angle_logit": a, "numerator": b}, (x,))

    assert torch.autograd.gradcheck(run, (x, *(p.detach().clone().requires_grad_(True) for p in params)), atol=1e-6)


def test_a_few_steps_fit_a_resonance() -> None:
    """Training moves a pole onto a target resonance: the loss falls by 10x."""
    torch.manual_seed(0)
    target = torch.as_tensor(scipy.signal.lfilter([1.0], [1.0, -2 * 0.95 * np.cos(0.3 * np.pi), 0.95**2], np.r_[1.0, np.zeros(255)]), dtype=torch.float32)
    impulse = torch.zeros(1, 1, 256)
    impulse[..., 0] = 1
    bank = IIRBank(1, 1, seed=0)
    optimiser = torch.optim.Adam(bank.parameters(), lr=0.05)
    losses = []
    for _ in range(300):
        optimiser.zero_grad()
        loss = (bank(impulse)[0, 0] - target).square().mean()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < 0.1 * losses[0]


def test_bad_arguments() -> None:
    with pytest.raises(InvalidParameterError):
        IIRBank(0)
    with pytest.raises(InvalidParameterError):
        IIRBank(2, method="fast")
