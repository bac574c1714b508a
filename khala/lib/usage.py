"""Where something is used: a count and a few examples, and the sentence that says so.

A venue, an image or a category that events use cannot be deleted; the refusal names what uses it
("Gala, Jazz Night and 3 more"). The domain that owns the thing asks the domains above it through a hook
(connected in ``khala/wiring.py``), each answering ``{id: Usage}`` for the ids it is given. The words ("and 2
more", "3 events") are in the current language; the examples are the events' own titles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from khala.lib.i18n import gettext as _
from khala.lib.i18n import ngettext

K = TypeVar("K")
EXAMPLES = 3


@dataclass(frozen=True)
class Usage:
    count: int = 0
    examples: tuple[str, ...] = field(default_factory=tuple)  # at most EXAMPLES labels, e.g. "Gala (draft)"

    def __bool__(self) -> bool:
        return self.count > 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.count + other.count, (self.examples + other.examples)[:EXAMPLES])

    def text(self) -> str:
        """``"Gala"``, ``"Gala and Jazz Night"``, ``"Gala, Jazz Night, Open Day and 2 more"``; "" when unused."""
        shown = list(self.examples[: self.count])
        rest = self.count - len(shown)
        if rest > 0:
            if not shown:
                return events_phrase(rest)
            return ngettext("%(list)s and %(num)d more", "%(list)s and %(num)d more", rest) % {
                "list": ", ".join(shown),
                "num": rest,
            }
        if len(shown) <= 1:
            return "".join(shown)
        return _("%(first)s and %(last)s") % {"first": ", ".join(shown[:-1]), "last": shown[-1]}


def merged(keys: Iterable[K], answers: Iterable[Mapping[K, Usage]]) -> dict[K, Usage]:
    """Every key with the sum of what each hook answered for it (``Usage()`` when none did)."""
    found: dict[K, Usage] = {k: Usage() for k in keys}
    for answer in answers:
        for key, usage in answer.items():
            found[key] = found.get(key, Usage()) + usage
    return found


def events_phrase(count: int) -> str:
    """ "1 event" / "3 events" in the current language."""
    return ngettext("%(num)d event", "%(num)d events", count) % {"num": count}
