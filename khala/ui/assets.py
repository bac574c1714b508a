"""A JavaScript module kept beside the Python file that uses it (``rx.asset(path, shared=True)``), found without
``inspect.stack()``.

``rx.asset(shared=True)`` learns its caller's file and module from ``inspect.stack()``, which reads the source
of every frame on the stack: about a tenth of a second per call at import time, paid by every process start
(``python -m khala serve`` imports every page). Here the caller names itself (``__file__``, ``__name__``); the
result is the same ``AssetPathStr`` (the symlink under ``assets/external/<module path>/`` and the versioned URL).
"""

from __future__ import annotations

from pathlib import Path

from reflex import assets as rx_assets
from reflex_base import constants
from reflex_base.environment import EnvironmentVariables


def shared_asset(path: str, *, module: str, file: str) -> rx_assets.AssetPathStr:
    """``rx.asset(path, shared=True)`` called from ``module`` (its ``__name__``) defined in ``file``."""
    src = Path(file).parent / path
    if not src.exists():
        raise FileNotFoundError(f"File not found: {src}")
    subfolder = module.replace(".", "/")
    if not EnvironmentVariables.REFLEX_BACKEND_ONLY.get():
        folder = Path.cwd() / constants.Dirs.APP_ASSETS / constants.Dirs.EXTERNAL_APP_ASSETS / subfolder
        folder.mkdir(parents=True, exist_ok=True)
        rx_assets._link_shared_asset(folder / path, src)
    return rx_assets._versioned_asset_path(f"/{constants.Dirs.EXTERNAL_APP_ASSETS}/{subfolder}/{path}", src)
