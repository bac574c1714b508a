"""The first load of /events sends the first screen's cards in one delta and the rest of the page in the next
(khala/events/state/catalogue.py FIRST_CARDS): two short renders in the browser instead of one long one. Later
loads (filters, Back from the modal) send their page at once."""

from __future__ import annotations

import asyncio

from khala.events.presenter import PAGE_SIZE
from khala.events.state.catalogue import FIRST_CARDS, EventsState
from tests.handlers import state_tree, substate


def _deltas(state: EventsState) -> list[tuple[bool, int, int]]:
    """(loaded, cards, total) at each yield of the on_load handler, as the client gets them in turn."""

    async def go() -> list[tuple[bool, int, int]]:
        seen = []
        async for _ in state.load_from_url():
            seen.append((state.loaded, len(state.cards), state.total))
        return seen

    return asyncio.run(go())


def test_the_first_load_sends_the_first_screen_then_the_rest(make_event) -> None:
    for i in range(FIRST_CARDS + 4):
        make_event(f"Concert {i}")
    state = substate(state_tree(path="/events"), EventsState)
    seen = _deltas(state)
    total = FIRST_CARDS + 4
    assert seen[0] == (True, FIRST_CARDS, total)  # the first delta: loaded, the placeholders' worth of cards
    assert seen[-1] == (True, min(total, PAGE_SIZE), total)  # then the whole page
    # the same page again (Back from the modal) or a filter: one delta with the whole page
    assert _deltas(state) == [(True, total, total)]


def test_a_short_page_is_one_delta(make_event) -> None:
    for i in range(3):
        make_event(f"Talk {i}")
    state = substate(state_tree(path="/events"), EventsState)
    assert _deltas(state) == [(True, 3, 3)]
