"""µ-law companding: the round trip is within half a bin, numpy and torch agree, quiet audio keeps its detail."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from wavecraft import mulaw
from wavecraft.errors import InvalidParameterError
from wavecraft.metrics import snr


def test_the_round_trip_is_within_half_a_companded_bin() -> None:
    x = np.random.default_rng(0).uniform(-1, 1, 100_000)
    np.testing.assert_allclose(mulaw.expand(mulaw.compress(x)), x, atol=1e-12)
    q = mulaw.encode(x)
    assert q.dtype == np.int64 and q.min() == 0 and q.max() == mulaw.CLASSES - 1
    error = np.abs(mulaw.compress(mulaw.decode(q).astype(np.float64)) - mulaw.compress(x))
    assert error.max() <= 1 / mulaw.CLASSES + 1e-6  # a bin is 2/Q wide in the companded domain
    classes = np.arange(mulaw.CLASSES)
    np.testing.assert_array_equal(mulaw.encode(mulaw.decode(classes)), classes)  # every class decodes to a sample of itself


def test_numpy_and_torch_agree_and_the_code_is_symmetric() -> None:
    x = np.random.default_rng(1).uniform(-1.2, 1.2, 10_000)  # beyond full scale: clipped
    q = mulaw.encode(x)
    torch.testing.assert_close(mulaw.encode(torch.from_numpy(x)), torch.from_numpy(q))
    torch.testing.assert_close(mulaw.decode(torch.from_numpy(q)), torch.from_numpy(mulaw.decode(q)))
    assert mulaw.encode(np.array([0.0]))[0] == mulaw.CLASSES // 2
    np.testing.assert_array_equal(mulaw.encode(-x), mulaw.CLASSES - 1 - q)  # no sample here lies on a bin edge
    assert mulaw.encode(np.array([-5.0, 5.0])).tolist() == [0, mulaw.CLASSES - 1]


def test_quiet_audio_keeps_its_detail_where_linear_8_bits_lose_it() -> None:
    quiet = 0.01 * np.sin(np.arange(8000) * 0.05)
    linear = (np.floor((quiet + 1) / 2 * 256).clip(0, 255) + 0.5) / 256 * 2 - 1
    assert snr(quiet, mulaw.decode(mulaw.encode(quiet))) > 30 and snr(quiet, linear) < 12  # 34.0 dB against 9.3


@pytest.mark.parametrize("classes", [1, 0, 2.5, True])
def test_a_code_needs_two_classes_or_more(classes: object) -> None:
    with pytest.raises(InvalidParameterError, match="µ-law needs"):
        mulaw.encode(np.zeros(3), classes)
