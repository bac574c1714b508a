"""The standalone API process (``khala.rest:standalone``, what Granian serves alone) keeps what it imported and
built out of the garbage collector's way, once per process."""

from __future__ import annotations

import gc

from khala import rest


def test_the_first_app_freezes_the_startup_heap_once(monkeypatch):
    monkeypatch.setattr(rest, "_frozen", False)
    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(gc.get_count()))
    rest.standalone()
    rest.standalone()
    assert len(frozen) == 1 and rest._frozen
