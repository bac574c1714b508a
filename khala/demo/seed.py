"""A believable Nordic catalogue, dated relative to today so the demo never goes stale.

Built through the same service functions the admin dashboard uses (``create_category``,
``locations.create_location``, ``create_event``, ``add_package``, ``images.store_image``) and seats taken
through ``registrations.register``, so the demo keeps every rule and invariant (taken == confirmed seats)
and its audit trail says ``system:demo``. Idempotent: a second run finds the demo events and changes nothing.
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from khala.accounts.models import User
from khala.audit.service import Actor
from khala.db import session_scope, utcnow
from khala.demo.data import ATTENDEES, CATEGORIES, CURRENCY, VENUES, Demo, Tier, Venue
from khala.demo.nordics import NORDICS
from khala.demo.posters import poster
from khala.demo.sweden import SWEDEN
from khala.errors import DomainError
from khala.events import categories
from khala.events import service as events
from khala.events.models import Category, Event, EventStatus
from khala.images.service import store_image
from khala.locations import service as locations
from khala.registrations import service as registrations

log = logging.getLogger(__name__)

DEMO = Actor.system("demo")
DEMOS: list[Demo] = [*SWEDEN, *NORDICS]


def _starts(demo: Demo, today: datetime, zone: ZoneInfo) -> datetime:
    local_today = today.astimezone(zone).date()
    if demo.day in ("saturday", "sunday"):
        target = 5 if demo.day == "saturday" else 6
        ahead = (target - local_today.weekday()) % 7
        day = local_today + timedelta(days=ahead or (7 if today.astimezone(zone).hour >= 12 else 0))
    else:
        day = local_today + timedelta(days=int(demo.day))
    hour, minutes = int(demo.hour), round((demo.hour % 1) * 60)
    return datetime.combine(day, time(hour, minutes), tzinfo=zone).astimezone(UTC)


def is_seeded() -> bool:
    with session_scope() as s:
        return (
            s.exec(select(Event.id).where(Event.slug == events.slugify(DEMOS[0].title))).first() is not None
        )


def _categories(s: Session, created: dict[str, int]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for slug, name in CATEGORIES:
        category = s.exec(select(Category).where(Category.slug == slug)).first()
        if category is None:
            category = categories.create_category(s, slug=slug, name=name, actor=DEMO)
            created["categories"] += 1
        ids[slug] = category.id  # type: ignore[assignment]
    return ids


def _venue(s: Session, venue: Venue, created: dict[str, int]) -> uuid.UUID:
    found = locations.find_location(s, name=venue.name, city=venue.city)
    if found is not None:
        return found.id
    created["venues"] += 1
    return uuid.UUID(
        locations.create_location(
            name=venue.name,
            **locations.address_of(venue),
            actor=DEMO,
            session=s,
        )
    )


def _poster(s: Session, demo: Demo, starts: datetime) -> uuid.UUID:
    venue = VENUES[demo.venue]
    local = starts.astimezone(ZoneInfo(venue.timezone))
    png = poster(demo.title, demo.category, f"{venue.name} · {venue.city} · {local:%-d %b}")
    image = store_image(
        s,
        png,
        actor=DEMO,
        name=f"{events.slugify(demo.title)}.png",
        alt_text=f"Poster for {demo.title} at {venue.name}, {venue.city}",
        description=demo.summary,
    )
    return image.id


def _packages(s: Session, event_id: uuid.UUID, tiers: list[Tier], now: datetime) -> list[tuple[str, Tier]]:
    """Add the tiers; the (package id, tier) of those whose seats the attendees fill now."""
    to_fill = []
    for i, tier in enumerate(tiers):
        opens = now + timedelta(days=tier.opens_in_days) if tier.opens_in_days else None
        package = events.add_package(
            s,
            event_id,
            title=tier.title,
            price_minor=tier.sek * 100,
            currency=CURRENCY,
            description=tier.description,
            perks=tier.perks,
            capacity=tier.capacity,
            max_per_registration=tier.max_per,
            sales_opens_at=opens,
            position=i,
            actor=DEMO,
        )
        if tier.fill and not opens:
            to_fill.append((str(package.id), tier))
    return to_fill


def _attendees(s: Session) -> list[str]:
    users = []
    for n, name in enumerate(ATTENDEES, start=1):
        email = f"attendee{n:02d}@demo.khala.invalid"
        user = s.exec(select(User).where(User.email == email)).first()
        if user is None:
            user = User(email=email, display_name=name)
            s.add(user)
            s.flush()
        users.append(str(user.id))
    return users


def _fill(package_id: str, tier: Tier, users: list[str], rng: random.Random, now: datetime) -> int:
    """Take ``tier.fill`` seats for random attendees; the number of registrations made."""
    made, remaining = 0, tier.fill
    for user_id in rng.sample(users, len(users)):
        if remaining <= 0:
            break
        quantity = min(remaining, tier.max_per)
        try:
            # Demo attendees are fictional (``.invalid`` addresses): no confirmation mail is queued for them.
            registrations.register(
                user_id, package_id, quantity, actor=DEMO, send_confirmation=False, now=now
            )
        except DomainError as exc:
            log.warning("demo registration skipped: %s", exc)
            continue
        remaining -= quantity
        made += 1
    return made


def seed_demo(*, now: datetime | None = None, with_images: bool = True) -> dict[str, int]:
    """Create the demo catalogue unless it is there. Returns counts of what was created."""
    if is_seeded():
        return {"events": 0}
    now = now or utcnow()
    rng = random.Random(42)
    created = {"events": 0, "packages": 0, "venues": 0, "categories": 0, "images": 0, "registrations": 0}
    fills: list[tuple[str, Tier]] = []
    with session_scope(write=True) as s:
        categories = _categories(s, created)
        venues = {key: _venue(s, venue, created) for key, venue in VENUES.items()}
        for demo in DEMOS:
            zone = VENUES[demo.venue].timezone
            starts = _starts(demo, now, ZoneInfo(zone))
            image_id = None
            if with_images:
                image_id = _poster(s, demo, starts)
                created["images"] += 1
            event = events.create_event(
                s,
                title=demo.title,
                summary=demo.summary,
                description=demo.body,
                category_id=categories[demo.category],
                location_id=venues[demo.venue],
                image_id=image_id,
                starts_at=starts,
                ends_at=starts + timedelta(hours=demo.hours),
                timezone=zone,
                status=EventStatus.published,
                actor=DEMO,
            )
            created["events"] += 1
            fills += _packages(s, event.id, demo.tiers, now)
            created["packages"] += len(demo.tiers)
        users = _attendees(s)
    # Seats are taken through the real service, so the demo keeps every invariant (taken == confirmed seats).
    for package_id, tier in fills:
        created["registrations"] += _fill(package_id, tier, users, rng, now)
    return created
