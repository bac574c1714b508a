"""Catalogue components, one module per part: cards, the listing, the event modal/page body, the calendar."""
