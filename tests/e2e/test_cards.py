"""The catalogue's cards fill in place (events/components/cards.py): the placeholder cards of the first HTML are
the very elements the catalogue fills when the websocket delivers it, with the same height; nothing is
unmounted, mounted or moved."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

# Runs before the page's own scripts: once the HTML is parsed (readyState "interactive" comes before deferred
# and module scripts run) it keeps the prerendered tiles and their heights.
REMEMBER_TILES = """
document.addEventListener("readystatechange", () => {
  if (document.readyState !== "interactive") return;
  const tiles = [...document.querySelectorAll("main article.khala-tile")];
  window.__tiles = tiles;
  window.__heights = tiles.map((t) => t.getBoundingClientRect().height);
  window.__placeholders = tiles.filter((t) => !t.classList.contains("khala-card")).length;
  window.__hiddenGrids = document.querySelectorAll('main .khala-grid[aria-hidden="true"]').length;
});
"""

COMPARE = """() => {
  const now = [...document.querySelectorAll("main article.khala-card")];
  const kept = window.__tiles.filter((t) => t.isConnected);
  return {
    before: window.__tiles.length,
    placeholders: window.__placeholders,
    hiddenGrids: window.__hiddenGrids,
    cards: now.length,
    firstIsKept: now[0] === window.__tiles[0],
    keptAreCards: kept.filter((t) => t.classList.contains("khala-card")).length,
    keptCount: kept.length,
    sameHeights: kept.every((t) => Math.abs(t.getBoundingClientRect().height - window.__heights[window.__tiles.indexOf(t)]) < 0.5),
    hiddenNow: document.querySelectorAll("main .khala-grid[aria-hidden], main .khala-grid[data-loading]").length,
  };
}"""


@pytest.mark.parametrize("path", ["/", "/events"])
def test_the_placeholder_cards_are_the_cards_the_data_fills(page, live_app, path) -> None:
    page.add_init_script(REMEMBER_TILES)
    page.goto(path)
    page.locator("main article.khala-card img[src]").first.wait_for(timeout=30_000)
    r = page.evaluate(COMPARE)
    # the first HTML showed placeholders only, in grids hidden from assistive tech
    assert r["before"] > 0 and r["placeholders"] == r["before"] and r["hiddenGrids"] > 0
    # the data filled those elements: the first card is the first placeholder, every placeholder still in the
    # page is a card now and kept its height; the grids are no longer hidden
    assert r["firstIsKept"], r
    assert r["keptCount"] > 0 and r["keptAreCards"] == r["keptCount"], r
    assert r["sameHeights"], r
    assert r["hiddenNow"] == 0, r
