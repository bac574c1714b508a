"""A believable Nordic catalogue, dated relative to today so the demo never goes stale.

Idempotent: a second run finds the demo events and changes nothing.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from khala.accounts.models import User
from khala.db import session_scope, utcnow
from khala.demo.posters import poster
from khala.errors import DomainError
from khala.events import service as events
from khala.events.models import Category, Event, EventStatus
from khala.locations.models import Location
from khala.registrations import service as registrations

log = logging.getLogger(__name__)

CATEGORIES = [
    ("music", "Music"),
    ("tech", "Tech & Talks"),
    ("food", "Food & Drink"),
    ("sports", "Sports"),
    ("art", "Art & Design"),
    ("family", "Family"),
    ("film", "Film"),
    ("gaming", "Gaming"),
]

# key: (name, street, postal code, city, region, country, lat, lon, IANA zone)
VENUES = {
    "cirkus": (
        "Cirkus",
        "Djurgårdsslätten 43–45",
        "115 21",
        "Stockholm",
        "Stockholm",
        "SE",
        59.3245,
        18.0996,
        "Europe/Stockholm",
    ),
    "sodra": (
        "Södra Teatern",
        "Mosebacke torg 1–3",
        "116 46",
        "Stockholm",
        "Stockholm",
        "SE",
        59.3176,
        18.0738,
        "Europe/Stockholm",
    ),
    "pustervik": (
        "Pustervik",
        "Järntorgsgatan 12",
        "413 01",
        "Göteborg",
        "Västra Götaland",
        "SE",
        57.6998,
        11.9536,
        "Europe/Stockholm",
    ),
    "slagthuset": (
        "Slagthuset",
        "Jörgen Kocksgatan 7A",
        "211 20",
        "Malmö",
        "Skåne",
        "SE",
        55.6096,
        13.0024,
        "Europe/Stockholm",
    ),
    "ukk": (
        "Uppsala Konsert & Kongress",
        "Vaksala torg 1",
        "753 31",
        "Uppsala",
        "Uppsala",
        "SE",
        59.8589,
        17.6455,
        "Europe/Stockholm",
    ),
    "rockefeller": (
        "Rockefeller Music Hall",
        "Torggata 16",
        "0181",
        "Oslo",
        "Oslo",
        "NO",
        59.9161,
        10.7502,
        "Europe/Oslo",
    ),
    "vega": (
        "VEGA",
        "Enghavevej 40",
        "1674",
        "København",
        "Hovedstaden",
        "DK",
        55.6682,
        12.5456,
        "Europe/Copenhagen",
    ),
    "kulttuuritalo": (
        "Kulttuuritalo",
        "Sturenkatu 4",
        "00510",
        "Helsinki",
        "Uusimaa",
        "FI",
        60.1918,
        24.9473,
        "Europe/Helsinki",
    ),
    "harpa": (
        "Harpa",
        "Austurbakki 2",
        "101",
        "Reykjavík",
        "Höfuðborgarsvæðið",
        "IS",
        64.1504,
        -21.9326,
        "Atlantic/Reykjavik",
    ),
    "aarhus": (
        "Godsbanen",
        "Skovgaardsgade 3",
        "8000",
        "Aarhus",
        "Midtjylland",
        "DK",
        56.1553,
        10.1966,
        "Europe/Copenhagen",
    ),
}


@dataclass
class Tier:
    title: str
    sek: int
    capacity: int | None
    perks: list[str] = field(default_factory=list)
    description: str = ""
    max_per: int = 6
    opens_in_days: int | None = None  # sales open this many days from now (not yet on sale)
    fill: int = 0  # seats the demo attendees take


@dataclass
class Demo:
    title: str
    category: str
    venue: str
    day: int | str  # days from today, or "saturday"/"sunday" for this weekend
    hour: float
    hours: float
    summary: str
    body: str
    tiers: list[Tier]


def _md(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs)


DEMOS: list[Demo] = [
    Demo(
        "Nordic Lights Festival",
        "music",
        "cirkus",
        12,
        18,
        6,
        "Three stages of Nordic indie, electronica and folk under one roof.",
        _md(
            "## A night of Nordic sound",
            "Nine acts from Sweden, Norway and Iceland across **three stages**.",
            "- Doors 18:00, first act 18:30\n- Food trucks in the courtyard\n- Cloakroom included with VIP",
        ),
        [
            Tier("Standard", 495, 400, ["Entry to all stages"], "General admission.", fill=120),
            Tier(
                "VIP",
                1250,
                60,
                ["Balcony seating", "Welcome drink", "Cloakroom"],
                "The best view in the house.",
                max_per=4,
                fill=22,
            ),
        ],
    ),
    Demo(
        "StarCraft Nordic Championship",
        "gaming",
        "kulttuuritalo",
        26,
        11,
        9,
        "The region's best StarCraft II players battle for the Nordic title.",
        _md(
            "The championship returns with **16 players**, live casting in English and Finnish, and a fan zone.",
            "Bring your own headphones for the casting channel.",
        ),
        [
            Tier("Day pass", 290, 800, ["Seated arena access", "Fan zone"], fill=140),
            Tier(
                "Pro pass",
                790,
                100,
                ["Front rows", "Meet the players", "Tournament T-shirt"],
                max_per=2,
                fill=35,
            ),
            Tier(
                "Stream supporter",
                0,
                None,
                ["Digital programme", "Chat badge"],
                "Watch online and support the teams.",
                max_per=1,
            ),
        ],
    ),
    Demo(
        "Python in the North",
        "tech",
        "ukk",
        40,
        9,
        8,
        "A one-day conference on Python for data, the web and science.",
        _md(
            "## Talks",
            "1. Async Python without tears\n2. Reproducible science with notebooks\n3. Shipping a web app as a single container",
            "Lunch and coffee included. Talks are recorded.",
        ),
        [
            Tier(
                "Early bird",
                1200,
                80,
                ["All talks", "Lunch and coffee"],
                "Cheaper, while they last.",
                max_per=2,
                fill=78,
            ),
            Tier("Regular", 1800, 220, ["All talks", "Lunch and coffee"], max_per=4, fill=40),
            Tier("Student", 400, 40, ["All talks", "Lunch"], "Bring a valid student ID.", max_per=1, fill=11),
        ],
    ),
    Demo(
        "Smörgåsbord Masterclass",
        "food",
        "slagthuset",
        19,
        17,
        3,
        "Learn the classics of the Swedish table from Malmö's best chefs.",
        _md(
            "Pickled herring three ways, gravlax, Jansson's temptation and more.",
            "*Vegetarian options on request.*",
        ),
        [
            Tier(
                "Masterclass seat",
                850,
                24,
                ["Three-hour class", "Recipe booklet", "Dinner together"],
                max_per=4,
                fill=24,
            ),
            Tier(
                "Dinner guest",
                450,
                12,
                ["Dinner with the class"],
                "Join for the dinner only.",
                max_per=2,
                fill=12,
            ),
        ],
    ),
    Demo(
        "Bellman Evening at Södra",
        "music",
        "sodra",
        "saturday",
        19.5,
        2.5,
        "Songs of Carl Michael Bellman with a modern string quartet.",
        _md("A warm evening of Bellman's epistles and songs, newly arranged.", "Bar opens one hour before."),
        [
            Tier("Seated", 350, 40, ["Numbered seat"], max_per=4, fill=37),
            Tier("Standing", 220, 60, [], max_per=6, fill=20),
        ],
    ),
    Demo(
        "Oslo Design Week Opening",
        "art",
        "rockefeller",
        33,
        18,
        4,
        "The opening night of Oslo Design Week: talks, drinks and exhibitions.",
        _md(
            "Meet the designers shaping Nordic furniture, fashion and typography.",
            "The exhibition runs all week; this ticket is for the opening night.",
        ),
        [
            Tier("Opening night", 300, 300, ["Exhibition access", "Welcome drink"], fill=45),
            Tier("Patron", 900, 30, ["Guided tour", "Catalogue", "Drinks"], max_per=2, fill=4),
        ],
    ),
    Demo(
        "Family Science Day",
        "family",
        "ukk",
        "sunday",
        10,
        6,
        "Experiments, robots and a planetarium show for curious kids.",
        _md(
            "For ages 5–12 with their grown-ups. **Free entry**, registration required so we know how many to expect."
        ),
        [
            Tier(
                "Free entry",
                0,
                500,
                ["All workshops", "Planetarium show"],
                "One registration per family member.",
                max_per=6,
                fill=96,
            ),
            Tier(
                "Robot workshop",
                0,
                30,
                ["Build a robot to take home"],
                "Ages 8–12; seats are limited.",
                max_per=2,
                fill=27,
            ),
        ],
    ),
    Demo(
        "Reykjavík Film Nights: Northern Noir",
        "film",
        "harpa",
        55,
        20,
        3,
        "A double bill of Icelandic crime cinema with the directors present.",
        _md("Two films, one conversation. English subtitles.", "> Dark winters make for the best thrillers."),
        [
            Tier(
                "Double bill",
                2900,
                200,
                ["Two screenings", "Q&A"],
                "Price in SEK; charged at today's rate.",
                fill=30,
            ),
            Tier("Single film", 1700, 100, ["One screening"], fill=12),
        ],
    ),
    Demo(
        "Copenhagen Jazz Sessions",
        "music",
        "vega",
        47,
        20,
        3,
        "An intimate jazz night with the Copenhagen trio scene.",
        _md("Three trios, one stage, from standards to free improvisation."),
        [
            Tier("Table seat", 420, 80, ["Table service"], max_per=4, fill=16),
            Tier("Bar standing", 260, 150, [], fill=10),
        ],
    ),
    Demo(
        "Göteborg Half-Marathon Expo",
        "sports",
        "pustervik",
        61,
        10,
        8,
        "Meet coaches, test shoes and get your race plan for the season.",
        _md("Free talks all day on training, nutrition and recovery.", "Race registration is separate."),
        [
            Tier("Expo entry", 0, None, ["All talks", "Shoe testing"], max_per=4, fill=40),
            Tier("Coached run", 150, 40, ["Guided 10 km run", "Energy bar"], max_per=2, fill=8),
        ],
    ),
    Demo(
        "Malmö Street Food Weekend",
        "food",
        "slagthuset",
        74,
        12,
        10,
        "Forty food trucks, three bars and a DJ in the old slaughterhouse.",
        _md("Pay at each truck; the ticket covers entry and one tasting token."),
        [
            Tier("Entry", 80, 2000, ["Entry", "One tasting token"], max_per=8, fill=210),
            Tier("Foodie pass", 390, 200, ["Entry", "Ten tasting tokens", "Fast lane"], max_per=4, fill=31),
        ],
    ),
    Demo(
        "Helsinki Hack Night",
        "tech",
        "kulttuuritalo",
        9,
        17,
        7,
        "Build something with strangers: a friendly evening hackathon.",
        _md("Teams of 2–4, pizza at 19:00, demos at 23:00.", "All skill levels welcome."),
        [
            Tier("Hacker", 0, 120, ["Pizza and drinks", "Swag"], max_per=1, fill=64),
            Tier("Mentor", 0, 20, ["Mentor badge"], max_per=1, fill=7),
        ],
    ),
    Demo(
        "Aarhus Board Game Convention",
        "gaming",
        "aarhus",
        88,
        10,
        12,
        "Two hundred tables of board games, tournaments and new releases.",
        _md("Play-test unreleased games and join the Catan and Carcassonne tournaments."),
        [
            Tier("Day ticket", 180, 900, ["Library access", "Tournament entry"], fill=88),
            Tier("Weekend", 320, 400, ["Both days", "Goodie bag"], fill=40),
        ],
    ),
    Demo(
        "Stockholm Photography Walk",
        "art",
        "sodra",
        15,
        10,
        3,
        "A guided walk through Södermalm's best light with a pro photographer.",
        _md("Bring any camera — phones welcome. We end with a fika and a short review."),
        [
            Tier("Walker", 250, 18, ["Guided walk", "Fika"], max_per=2, fill=9),
            Tier(
                "Walk + portfolio review",
                650,
                6,
                ["Guided walk", "Fika", "One-to-one review"],
                max_per=1,
                fill=2,
            ),
        ],
    ),
    Demo(
        "Kids' Theatre: The Moomin Summer",
        "family",
        "sodra",
        29,
        14,
        1.5,
        "A playful staging of a summer in Moominvalley for ages 3 and up.",
        _md("Running time 75 minutes including a short break."),
        [
            Tier("Child", 120, 150, ["Seat"], max_per=6, fill=50),
            Tier("Adult", 180, 150, ["Seat"], max_per=6, fill=44),
        ],
    ),
    Demo(
        "Nordic Startup Pitch Night",
        "tech",
        "vega",
        23,
        18,
        4,
        "Ten startups, five minutes each, one jury and a lot of networking.",
        _md("Pitches in English. The audience vote decides the wildcard."),
        [
            Tier("Audience", 150, 250, ["Networking drinks"], fill=60),
            Tier(
                "Investor",
                0,
                25,
                ["Reserved seating", "Pitch decks"],
                "Invitation code required at the door.",
                max_per=1,
                fill=5,
            ),
        ],
    ),
    Demo(
        "Uppsala Choir Festival",
        "music",
        "ukk",
        102,
        15,
        4,
        "Twelve choirs from across Scandinavia in one afternoon.",
        _md("From medieval chant to new commissions."),
        [Tier("Stalls", 260, 600, ["Numbered seat"], fill=33), Tier("Balcony", 190, 300, [], fill=12)],
    ),
    Demo(
        "Oslo Winter Cup: Futsal",
        "sports",
        "rockefeller",
        95,
        12,
        6,
        "Eight teams, one day, fast futsal in central Oslo.",
        _md("Group stage in the morning, finals from 16:00."),
        [
            Tier("Spectator", 120, 500, ["All matches"], fill=20),
            Tier("Family (2+2)", 300, 100, ["All matches", "Four people"], max_per=2, fill=8),
        ],
    ),
    Demo(
        "Cinema Under the Stars",
        "film",
        "cirkus",
        130,
        21,
        3,
        "A classic Swedish film on the big screen with live music before.",
        _md("Blankets provided. Popcorn included with the comfort ticket."),
        [
            Tier("Seat", 160, 300, [], fill=12),
            Tier("Comfort", 290, 60, ["Lounge chair", "Popcorn"], max_per=4, fill=6),
        ],
    ),
    Demo(
        "Nordic Craft Beer Tasting",
        "food",
        "pustervik",
        66,
        18,
        3,
        "Twelve breweries, twenty-four beers, one guide.",
        _md("Must be 20 or older; ID checked at the door."),
        [
            Tier("Tasting", 450, 80, ["Twelve tastings", "Snacks"], max_per=2, fill=25, opens_in_days=14),
            Tier(
                "Designated driver", 150, 20, ["Alcohol-free tastings", "Snacks"], max_per=2, opens_in_days=14
            ),
        ],
    ),
    Demo(
        "Helsinki Modern Dance Premiere",
        "art",
        "kulttuuritalo",
        118,
        19,
        2,
        "The premiere of a new full-length piece by a Helsinki company.",
        _md("Contains strobe lighting."),
        [Tier("Premiere", 380, 250, ["Premiere party"], fill=10), Tier("Second night", 290, 250, [], fill=6)],
    ),
    Demo(
        "Reykjavík Northern Lights Talk",
        "tech",
        "harpa",
        140,
        19,
        2,
        "An astrophysicist explains the aurora — and where to see it.",
        _md("Followed by a guided viewing if the sky is clear."),
        [
            Tier("Talk", 200, 500, [], fill=30),
            Tier("Talk + viewing", 650, 40, ["Bus to the viewing site", "Hot chocolate"], max_per=4, fill=14),
        ],
    ),
    Demo(
        "Retro Gaming Weekend",
        "gaming",
        "slagthuset",
        160,
        11,
        10,
        "Arcade cabinets, consoles from every era and a speedrun marathon.",
        _md("All machines are free to play with your ticket."),
        [
            Tier("Player", 160, 700, ["All machines"], fill=45),
            Tier("Speedrunner", 0, 32, ["Marathon slot"], "Apply with your category.", max_per=1, fill=9),
        ],
    ),
    Demo(
        "Copenhagen Family Festival",
        "family",
        "vega",
        172,
        10,
        7,
        "Music, circus school and face painting for the whole family.",
        _md("Prams welcome; baby-changing rooms on every floor."),
        [
            Tier("Family (2+2)", 390, 200, ["Four people"], max_per=2, fill=30),
            Tier("Single", 120, 400, [], fill=25),
        ],
    ),
    Demo(
        "Göteborg Indie Night",
        "music",
        "pustervik",
        5,
        20,
        4,
        "Three Gothenburg indie bands on their home stage.",
        _md("Age limit 18."),
        [
            Tier("Standing", 280, 450, [], fill=80),
            Tier("Early entry", 380, 50, ["Doors 30 minutes early", "Tote bag"], max_per=2, fill=18),
        ],
    ),
    Demo(
        "Stockholm Marathon Pasta Party",
        "sports",
        "cirkus",
        176,
        17,
        3,
        "Carb-load with fellow runners the night before the race.",
        _md("Vegan pasta available."),
        [
            Tier("Dinner", 195, 350, ["Pasta buffet", "Drink"], fill=15),
            Tier(
                "Supporter",
                0,
                None,
                ["Cheer zone access"],
                "Free for friends and family of runners.",
                max_per=4,
                fill=5,
            ),
        ],
    ),
]

ATTENDEES = [
    "Astrid Lindqvist",
    "Bjørn Haugen",
    "Camilla Nyström",
    "David Eriksson",
    "Elin Karlsson",
    "Freja Jensen",
    "Gustav Olsen",
    "Hanna Virtanen",
    "Ingrid Berg",
    "Jonas Pedersen",
    "Karin Holm",
    "Lars Nieminen",
    "Maja Sørensen",
    "Nils Andersson",
    "Oskar Lund",
    "Petra Korhonen",
    "Rasmus Dahl",
    "Sofia Ek",
    "Tove Solberg",
    "Ulrik Madsen",
]


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


def seed_demo(*, now: datetime | None = None, with_images: bool = True) -> dict[str, int]:
    """Create the demo catalogue unless it is there. Returns counts of what was created."""
    if is_seeded():
        return {"events": 0}
    now = now or utcnow()
    rng = random.Random(42)
    store_image = None
    if with_images:
        try:
            from khala.images.service import store_image
        except ImportError:  # the images domain is optional for the bare foundation
            store_image = None

    created = {"events": 0, "packages": 0, "venues": 0, "categories": 0, "images": 0, "registrations": 0}
    fills: list[tuple[str, int, int]] = []  # (package id, seats, max per registration)
    with session_scope(write=True) as s:
        cats: dict[str, int] = {}
        for slug, name in CATEGORIES:
            cat = s.exec(select(Category).where(Category.slug == slug)).first()
            if cat is None:
                cat = Category(slug=slug, name=name)
                s.add(cat)
                s.flush()
                created["categories"] += 1
            cats[slug] = cat.id  # type: ignore[assignment]
        venues: dict[str, Location] = {}
        for key, (name, street, postal, city, region, country, lat, lon, _zone) in VENUES.items():
            loc = s.exec(select(Location).where(Location.name == name, Location.city == city)).first()
            if loc is None:
                loc = Location(
                    name=name,
                    street=street,
                    postal_code=postal,
                    city=city,
                    region=region,
                    country=country,
                    latitude=lat,
                    longitude=lon,
                )
                s.add(loc)
                s.flush()
                created["venues"] += 1
            venues[key] = loc
        for demo in DEMOS:
            zone = ZoneInfo(VENUES[demo.venue][8])
            starts = _starts(demo, now, zone)
            image_id = None
            if store_image is not None:
                venue = venues[demo.venue]
                local = starts.astimezone(zone)
                png = poster(demo.title, demo.category, f"{venue.name} · {venue.city} · {local:%-d %b}")
                image = store_image(
                    s,
                    png,
                    name=f"{events.slugify(demo.title)}.png",
                    alt_text=f"Poster for {demo.title} at {venue.name}, {venue.city}",
                    description=demo.summary,
                )
                image_id = image.id
                created["images"] += 1
            event = events.create_event(
                s,
                title=demo.title,
                summary=demo.summary,
                description=demo.body,
                category_id=cats[demo.category],
                location_id=venues[demo.venue].id,
                image_id=image_id,
                starts_at=starts,
                ends_at=starts + timedelta(hours=demo.hours),
                timezone=VENUES[demo.venue][8],
                status=EventStatus.published,
            )
            created["events"] += 1
            for i, tier in enumerate(demo.tiers):
                opens = now + timedelta(days=tier.opens_in_days) if tier.opens_in_days else None
                package = events.add_package(
                    s,
                    event.id,
                    title=tier.title,
                    price_minor=tier.sek * 100,
                    currency="SEK",
                    description=tier.description,
                    perks=tier.perks,
                    capacity=tier.capacity,
                    max_per_registration=tier.max_per,
                    sales_opens_at=opens,
                    position=i,
                )
                created["packages"] += 1
                if tier.fill and not opens:
                    fills.append((str(package.id), tier.fill, tier.max_per))
        users = []
        for n, name in enumerate(ATTENDEES, start=1):
            email = f"attendee{n:02d}@demo.khala.invalid"
            user = s.exec(select(User).where(User.email == email)).first()
            if user is None:
                user = User(email=email, display_name=name)
                s.add(user)
                s.flush()
            users.append(str(user.id))

    # Seats are taken through the real service, so the demo keeps every invariant (taken == confirmed seats).
    saved_hooks = list(registrations.hooks)
    registrations.hooks.clear()  # demo attendees get no mail
    try:
        for package_id, seats, max_per in fills:
            remaining = seats
            for user_id in rng.sample(users, len(users)):
                if remaining <= 0:
                    break
                quantity = min(remaining, max_per)
                try:
                    registrations.register(user_id, package_id, quantity, now=now)
                except DomainError as exc:
                    log.warning("demo registration skipped: %s", exc)
                    continue
                remaining -= quantity
                created["registrations"] += 1
    finally:
        registrations.hooks[:] = saved_hooks
    return created
