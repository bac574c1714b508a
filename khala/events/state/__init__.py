"""Reflex state of the catalogue, one module per page: the events list, the event modal/page, the calendar,
Discover, and the live-seat delivery.

Every read here is of the public catalogue (no authorization needed); nothing here changes data. Service calls
run off the event loop (``asyncio.to_thread``). Only the visible page of results is kept in state.
"""
