"""A shared JavaScript asset found without inspect.stack(): the same URL, import path and symlink as rx.asset."""

from __future__ import annotations

from pathlib import Path

import reflex as rx

import khala.ui.client as client_module
from khala.ui.assets import shared_asset


def test_shared_asset_links_and_names_the_file_like_rx_asset(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    src = Path(client_module.__file__).parent / "client_effects.js"
    ours = shared_asset("client_effects.js", module="khala.ui.client", file=client_module.__file__)
    assert ours.importable_path == "$/public/external/khala/ui/client/client_effects.js"
    assert str(ours).startswith("/external/khala/ui/client/client_effects.js?v=")
    link = tmp_path / "assets" / "external" / "khala" / "ui" / "client" / "client_effects.js"
    assert link.is_symlink() and link.resolve() == src.resolve()


def test_the_same_as_rx_asset_for_a_file_beside_the_caller(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    here = Path(__file__)
    beside = here.with_name("__init__.py")  # any file beside this module
    theirs = rx.asset(beside.name, shared=True)
    ours = shared_asset(beside.name, module=__name__, file=__file__)
    assert (str(ours), ours.importable_path) == (str(theirs), theirs.importable_path)


def test_no_module_of_the_app_calls_rx_asset() -> None:
    """Every shared asset goes through ``shared_asset``: one ``rx.asset`` at import costs each process start ~0.1 s."""
    root = Path(client_module.__file__).parents[1]
    callers = [
        str(p.relative_to(root.parent))
        for p in root.rglob("*.py")
        if "rx.asset(" in p.read_text() and p.name != "assets.py"
    ]
    assert callers == []
