"""One page type for every list: ``list_<things>(…, page, page_size) -> Page[Thing]``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_PAGE_SIZE = 200


def clamp_page_size(page_size: object, *, default: int = 50, maximum: int = MAX_PAGE_SIZE) -> int:
    """A page size between 1 and ``maximum``; anything that is not a whole number gives ``default``."""
    try:
        size = int(page_size)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default
    return min(max(size, 1), maximum)


def pages_for(total: int, page_size: int) -> int:
    return max(1, -(-max(total, 0) // max(page_size, 1)))


def clamp_page(page: object, total: int, page_size: int) -> int:
    """A 1-based page number inside ``1..pages``: a page past the end gives the last page, junk gives 1."""
    try:
        number = int(page)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        number = 1
    return min(max(number, 1), pages_for(total, page_size))


def offset_of(page: int, page_size: int) -> int:
    return (max(page, 1) - 1) * page_size


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return pages_for(self.total, self.page_size)

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1
