"""Demo catalogue for `python -m khala seed-demo`."""
