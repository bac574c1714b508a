"""Helpers shared by the catalogue's states."""

from __future__ import annotations

import re

import reflex as rx

ALL = "all"
SLUG_RE = re.compile(r"^[A-Za-z0-9-]{1,120}$")
DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def clip(value: object, n: int = 200) -> str:
    return str(value or "").strip()[:n]


def client_token(state: rx.State) -> str:
    return state.router.session.client_token
