"""Full-length inference: any file through a model trained on short windows, with Hann cross-fades and no seams.

The signal is cut into windows of ``window`` samples with 50 % overlap (the
first starting half a window before the signal, so every sample lies in two
windows), each window goes through the model, and the outputs are
overlap-added under a Hann window normalised by the overlap-added Hann
windows (:func:`wavecraft.bases.shorttime.overlap_add`): each output sample
is a cross-fade of the two windows that contain it, weighted towards the
one in whose middle it lies, where the model saw the most context.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from wavecraft.bases.shorttime import frame_signal, overlap_add
from wavecraft.errors import InvalidParameterError


def translate_long(
    model: Callable[[torch.Tensor], torch.Tensor], signal: np.ndarray, window: int, *, factor: int = 1, batch: int = 16,
) -> np.ndarray:
    """``model`` applied to a 1-D signal of any length, window by window.

    Parameters
    ----------
    model : callable
        ``(batch, 1, window)`` -> ``(batch, 1, window * factor)``.
    signal : np.ndarray
        ``(n,)``.
    window : int
        Samples per window (even).
    factor : int
        Output samples per input sample.
    batch : int
        Windows per model call.

    Returns
    -------
    np.ndarray
        float32, ``(n * factor,)``.
    """
    if window < 2 or window % 2 or factor < 1:
        raise InvalidParameterError(f"need an even window of at least 2 samples and factor >= 1; got {window}, {factor}")
    signal = np.asarray(signal, np.float32)
    frames = frame_signal(signal, window, hop=window // 2)  # rectangular: the model sees the audio itself
    outputs = []
    with torch.no_grad():
        for start in range(0, len(frames), batch):
            outputs.append(model(torch.from_numpy(np.ascontiguousarray(frames[start : start + batch]))[:, None])[:, 0].float().numpy())
    return overlap_add(np.concatenate(outputs), window * factor // 2, analysis_window="rect", synthesis_window="hann", length=signal.size * factor)
