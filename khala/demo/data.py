"""What the demo is made of: its categories, venues and attendees, and the shape of a demo event.

Plain data with named fields; ``seed.py`` turns it into rows through the same services the admin uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from khala.locations.service import Address


@dataclass(frozen=True)
class Venue(Address):
    name: str
    timezone: str  # the IANA zone its events are shown in


@dataclass(frozen=True)
class Tier:
    """A package of a demo event; ``sek`` is the price in whole kronor."""

    title: str
    sek: int
    capacity: int | None  # None = unlimited
    perks: list[str] = field(default_factory=list)
    description: str = ""
    max_per: int = 6
    opens_in_days: int | None = None  # sales open this many days from now (not yet on sale)
    fill: int = 0  # seats the demo attendees take


@dataclass(frozen=True)
class Demo:
    title: str
    category: str  # a slug of CATEGORIES
    venue: str  # a key of VENUES
    day: int | str  # days from today, or "saturday"/"sunday" for this weekend
    hour: float  # local start time, 19.5 = 19:30
    hours: float  # how long it lasts
    summary: str
    body: str  # Markdown
    tiers: list[Tier]


def md(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs)


CURRENCY = "SEK"  # the demo's prices (Tier.sek) are Swedish kronor, whatever the site's default currency

CATEGORIES: list[tuple[str, str]] = [
    ("music", "Music"),
    ("tech", "Tech & Talks"),
    ("food", "Food & Drink"),
    ("sports", "Sports"),
    ("art", "Art & Design"),
    ("family", "Family"),
    ("film", "Film"),
    ("gaming", "Gaming"),
]

VENUES: dict[str, Venue] = {
    "cirkus": Venue(
        name="Cirkus",
        street="Djurgårdsslätten 43–45",
        postal_code="115 21",
        city="Stockholm",
        region="Stockholm",
        country="SE",
        latitude=59.3245,
        longitude=18.0996,
        timezone="Europe/Stockholm",
    ),
    "sodra": Venue(
        name="Södra Teatern",
        street="Mosebacke torg 1–3",
        postal_code="116 46",
        city="Stockholm",
        region="Stockholm",
        country="SE",
        latitude=59.3176,
        longitude=18.0738,
        timezone="Europe/Stockholm",
    ),
    "pustervik": Venue(
        name="Pustervik",
        street="Järntorgsgatan 12",
        postal_code="413 01",
        city="Göteborg",
        region="Västra Götaland",
        country="SE",
        latitude=57.6998,
        longitude=11.9536,
        timezone="Europe/Stockholm",
    ),
    "slagthuset": Venue(
        name="Slagthuset",
        street="Jörgen Kocksgatan 7A",
        postal_code="211 20",
        city="Malmö",
        region="Skåne",
        country="SE",
        latitude=55.6096,
        longitude=13.0024,
        timezone="Europe/Stockholm",
    ),
    "ukk": Venue(
        name="Uppsala Konsert & Kongress",
        street="Vaksala torg 1",
        postal_code="753 31",
        city="Uppsala",
        region="Uppsala",
        country="SE",
        latitude=59.8589,
        longitude=17.6455,
        timezone="Europe/Stockholm",
    ),
    "rockefeller": Venue(
        name="Rockefeller Music Hall",
        street="Torggata 16",
        postal_code="0181",
        city="Oslo",
        region="Oslo",
        country="NO",
        latitude=59.9161,
        longitude=10.7502,
        timezone="Europe/Oslo",
    ),
    "vega": Venue(
        name="VEGA",
        street="Enghavevej 40",
        postal_code="1674",
        city="København",
        region="Hovedstaden",
        country="DK",
        latitude=55.6682,
        longitude=12.5456,
        timezone="Europe/Copenhagen",
    ),
    "kulttuuritalo": Venue(
        name="Kulttuuritalo",
        street="Sturenkatu 4",
        postal_code="00510",
        city="Helsinki",
        region="Uusimaa",
        country="FI",
        latitude=60.1918,
        longitude=24.9473,
        timezone="Europe/Helsinki",
    ),
    "harpa": Venue(
        name="Harpa",
        street="Austurbakki 2",
        postal_code="101",
        city="Reykjavík",
        region="Höfuðborgarsvæðið",
        country="IS",
        latitude=64.1504,
        longitude=-21.9326,
        timezone="Atlantic/Reykjavik",
    ),
    "aarhus": Venue(
        name="Godsbanen",
        street="Skovgaardsgade 3",
        postal_code="8000",
        city="Aarhus",
        region="Midtjylland",
        country="DK",
        latitude=56.1553,
        longitude=10.1966,
        timezone="Europe/Copenhagen",
    ),
}

ATTENDEES: list[str] = [
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
