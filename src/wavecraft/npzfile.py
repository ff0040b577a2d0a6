"""Reading the ``.npz`` files wavecraft writes (bases, vocoders): named numeric arrays and a JSON ``meta`` object.

One reader for every such file, so a missing, empty, truncated, pickled or
foreign file, a missing array, a non-numeric or non-finite array or a ``meta`` that is not
a JSON object is one :class:`~wavecraft.errors.ModelFileError` naming the
file, never numpy's or zipfile's own exception.
"""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np

from wavecraft.errors import ModelFileError, reason


def read_npz(path: str | os.PathLike, names: tuple[str, ...], what: str) -> tuple[dict[str, np.ndarray], dict]:
    """The float64 arrays ``names`` and the ``meta`` dict of a wavecraft ``.npz``.

    Parameters
    ----------
    path : path-like
        The file.
    names : tuple of str
        Arrays that must be present, each numeric.
    what : str
        What the file should be ("basis", "vocoder"), for the messages.

    Returns
    -------
    arrays : dict of str to np.ndarray
        Each named array as float64.
    meta : dict
        The parsed ``meta`` JSON object.

    Raises
    ------
    ModelFileError
        When the file is not a readable wavecraft ``what``.
    """
    try:
        data = np.load(path, allow_pickle=False)
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise ModelFileError(f"{path}: a single .npy array, not a wavecraft {what} (.npz)")
        with data:
            missing = [name for name in (*names, "meta") if name not in data.files]
            if missing:
                raise ModelFileError(f"{path}: not a wavecraft {what} (no {', '.join(missing)})")
            raw = {name: data[name] for name in names}
            meta = json.loads(str(data["meta"]))
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such {what} file") from None
    except IsADirectoryError:
        raise ModelFileError(f"{path}: a folder, not a {what} file") from None
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as err:  # empty, truncated, pickled, not numpy at all
        raise ModelFileError(f"{path}: not a wavecraft {what} ({reason(err)})") from None
    if not isinstance(meta, dict):
        raise ModelFileError(f"{path}: not a wavecraft {what} (its meta is not a JSON object)")
    for name, array in raw.items():
        if not np.issubdtype(array.dtype, np.number):
            raise ModelFileError(f"{path}: array {name} holds {array.dtype} values, not numbers")
        if not np.isfinite(array).all():
            raise ModelFileError(f"{path}: array {name} holds NaN or infinite values")
    return {name: array.astype(np.float64) for name, array in raw.items()}, meta


def meta_int(meta: dict, key: str, path: str | os.PathLike, *, default: int | None = None) -> int:
    """``meta[key]`` as a non-negative int, or a :class:`ModelFileError` naming the file."""
    value = meta.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ModelFileError(f"{path}: its {key} is {value!r}, not a whole number")
    return value
