"""Poster images drawn locally with Pillow (nothing can be downloaded)."""

from __future__ import annotations

import hashlib
import io
import math
import textwrap
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from khala.settings import ROOT

FONTS = ROOT / "assets" / "fonts"

# Per-category palettes that sit well beside Khala's pink and navy.
PALETTES: dict[str, tuple[str, str, str]] = {
    "music": ("#1c2346", "#f26cf9", "#ffd6fd"),
    "tech": ("#0f2a3d", "#3fb6c6", "#d8f6fa"),
    "food": ("#3d1f12", "#f29b4c", "#ffe9d2"),
    "sports": ("#10301c", "#4cc27a", "#dcf7e6"),
    "art": ("#2d1238", "#b36cf9", "#efdcff"),
    "family": ("#37437d", "#ffcf5c", "#fff4d6"),
    "film": ("#1a1a1a", "#e4574b", "#ffe0dc"),
    "gaming": ("#101436", "#6c8cf9", "#dde5ff"),
}


@lru_cache(maxsize=8)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = Path(FONTS / name)
    if path.exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def _hex(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def poster(title: str, category: str, subtitle: str, *, width: int = 1200, height: int = 750) -> bytes:
    """A PNG poster: a gradient in the category's palette, soft shapes seeded by the title, the title set in Inter."""
    dark, accent, light = (_hex(c) for c in PALETTES.get(category, PALETTES["music"]))
    seed = int.from_bytes(hashlib.sha256(title.encode()).digest()[:8], "big")
    img = Image.new("RGB", (width, height), dark)
    px = ImageDraw.Draw(img)
    for y in range(height):
        t = y / height
        row = tuple(int(dark[i] * (1 - t * 0.6) + accent[i] * t * 0.6) for i in range(3))
        px.line([(0, y), (width, y)], fill=row)
    shapes = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    sd = ImageDraw.Draw(shapes)
    for i in range(7):
        r = 120 + (seed >> (i * 5)) % 260
        cx = (seed >> (i * 7)) % width
        cy = (seed >> (i * 3 + 11)) % height
        colour = (*accent, 70 + (i * 23) % 90) if i % 2 else (*light, 45)
        sd.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour)
    angle = (seed % 360) * math.pi / 180
    for k in range(12):
        x = int(width / 2 + math.cos(angle + k) * width * 0.45)
        y = int(height / 2 + math.sin(angle + k) * height * 0.45)
        sd.line([(width // 2, height // 2), (x, y)], fill=(*light, 28), width=6)
    shapes = shapes.filter(ImageFilter.GaussianBlur(14))
    img = Image.alpha_composite(img.convert("RGBA"), shapes).convert("RGB")
    draw = ImageDraw.Draw(img)
    k = width / 1600
    big = _font("Inter-Bold.otf", round(104 * k))
    small = _font("Inter-SemiBold.otf", round(46 * k))
    lines = textwrap.wrap(title, width=22)[:3]
    step = round(118 * k)
    y = height - round(180 * k) - len(lines) * step
    draw.rounded_rectangle(
        [round(60 * k), y - round(40 * k), width - round(60 * k), height - round(60 * k)],
        radius=round(40 * k),
        fill=(*dark, 255),
    )
    for line in lines:
        draw.text((round(110 * k), y), line, font=big, fill=(255, 255, 255))
        y += step
    draw.text((round(112 * k), y + round(14 * k)), subtitle, font=small, fill=light)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False)
    return out.getvalue()
