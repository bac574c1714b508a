"""Categories of the catalogue: create, rename, delete (refused while events use one), list with usage.

``create_category`` is a building block in the caller's transaction (the demo builds its catalogue with it);
``add_category``, ``update_category`` and ``delete_category`` open their own, for the admin dashboard and
the REST API. A category is named by its slug (the catalogue's filter links use it). Each change writes
one ``category.created`` / ``category.updated`` / ``category.deleted`` entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from khala.audit import service as audit
from khala.audit.service import Actor
from khala.db import session_scope
from khala.errors import Conflict, InvalidInput, NotFound
from khala.events.models import Category
from khala.events.reports import events_in_categories
from khala.lib.i18n import N_
from khala.lib.i18n import gettext as _
from khala.lib.usage import Usage, events_phrase

MAX_SLUG = 60
MAX_NAME = 60
_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_FIELDS = ("slug", "name")
NOT_FOUND = N_("We could not find that category.")


@dataclass(frozen=True)
class CategoryView:
    id: int
    slug: str
    name: str
    usage: Usage  # the events in it


def _check(session: Session, slug: str, name: str, *, other_than: int | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not _SLUG.fullmatch(slug) or len(slug) > MAX_SLUG:
        errors["slug"] = _("Use up to %(num)d lower-case letters, digits and dashes, e.g. food-drink.") % {
            "num": MAX_SLUG
        }
    else:
        taken = session.exec(select(Category.id).where(Category.slug == slug)).first()
        if taken is not None and taken != other_than:
            errors["slug"] = _("The category '%(slug)s' already exists.") % {"slug": slug}
    if not name:
        errors["name"] = _("A category name is required.")
    elif len(name) > MAX_NAME:
        errors["name"] = _("The name can be at most %(num)d characters.") % {"num": MAX_NAME}
    return errors


def _clean(slug: str | None, name: str | None) -> tuple[str, str]:
    return (slug or "").strip().lower(), " ".join((name or "").split())


def create_category(session: Session, *, slug: str, name: str, actor: Actor) -> Category:
    """Add a category (the caller commits), with one ``category.created`` entry. InvalidInput per field,
    also when the slug is taken."""
    slug, name = _clean(slug, name)
    errors = _check(session, slug, name)
    if errors:
        raise InvalidInput(errors)
    category = Category(slug=slug, name=name)
    session.add(category)
    session.flush()
    audit.record(session, actor, "category.created", category, {"slug": slug, "name": name})
    return category


def _row(session: Session, slug: str) -> Category:
    category = session.exec(select(Category).where(Category.slug == str(slug or "")[:MAX_SLUG])).first()
    if category is None:
        raise NotFound(_(NOT_FOUND))
    return category


def _view(session: Session, category: Category) -> CategoryView:
    assert category.id is not None
    usage = events_in_categories(session, [category.id]).get(category.id, Usage())
    return CategoryView(category.id, category.slug, category.name, usage)


def add_category(*, slug: str, name: str, actor: Actor) -> CategoryView:
    """``create_category`` in its own transaction."""
    with session_scope(write=True) as s:
        return _view(s, create_category(s, slug=slug, name=name, actor=actor))


def update_category(
    slug: str, *, actor: Actor, name: str | None = None, new_slug: str | None = None
) -> CategoryView:
    """Rename a category and/or change its slug (links with the old slug stop filtering); the rules of
    ``create_category``. One ``category.updated`` entry with what changed (none when nothing did)."""
    with session_scope(write=True) as s:
        category = _row(s, slug)
        clean_slug, clean_name = _clean(
            category.slug if new_slug is None else new_slug, category.name if name is None else name
        )
        errors = _check(s, clean_slug, clean_name, other_than=category.id)
        if errors:
            raise InvalidInput(errors)
        before = audit.snapshot(category, _FIELDS)
        category.slug, category.name = clean_slug, clean_name
        changes = audit.diff(before, audit.snapshot(category, _FIELDS))
        if changes:
            s.add(category)
            s.flush()
            audit.record(s, actor, "category.updated", category, changes)
        return _view(s, category)


def delete_category(slug: str, *, actor: Actor) -> None:
    """Remove a category no event is in (Conflict naming the events otherwise); ``category.deleted``."""
    with session_scope(write=True) as s:
        category = _row(s, slug)
        assert category.id is not None
        usage = events_in_categories(s, [category.id]).get(category.id, Usage())
        if usage:
            raise Conflict(
                _(
                    "“%(name)s” is the category of %(events)s (%(titles)s); "
                    "give them another category before deleting it."
                )
                % {"name": category.name, "events": events_phrase(usage.count), "titles": usage.text()}
            )
        audit.record(s, actor, "category.deleted", category, data=audit.snapshot(category, _FIELDS))
        s.delete(category)
        s.flush()


def list_categories() -> list[CategoryView]:
    """Every category by name, with the events in each (the admin's list; a catalogue has a few dozen)."""
    with session_scope() as s:
        rows = s.exec(select(Category).order_by(col(Category.name), col(Category.slug))).all()
        usage = events_in_categories(s, [c.id for c in rows if c.id is not None])
        return [CategoryView(c.id or 0, c.slug, c.name, usage.get(c.id or 0, Usage())) for c in rows]
