"""What every test and every docstring example runs under: an isolated cache, and one thread per pytest-xdist worker."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist, one thread per worker: the workers already fill the cores, and more threads would fight."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        import torch
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(1)
        threadpool_limits(1)


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point WAVECRAFT_CACHE at a fresh folder so no test (or docstring example) sees another's cache or the user's."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("WAVECRAFT_CACHE", str(cache))
    return cache
