"""Khala: self-hostable event discovery and registration."""
