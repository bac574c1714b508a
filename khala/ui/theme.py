"""Design tokens: the one place that knows colours, radii, spacing and fonts.

The palette keeps the original's identity (pink primary, navy secondary, lavender sidebar, light
panels, Inter, rounded-2xl cards). Every pair used for text is checked for WCAG AA contrast
(4.5:1 for body text) — see the comments.
"""

from __future__ import annotations

# --- colours --------------------------------------------------------------------------------------------
PRIMARY = "#f26cf9"  # pink: button backgrounds, accents (navy text on it: 6.2:1)
PRIMARY_HOVER = "#e550ee"
PRIMARY_SOFT = "#fde7fe"  # tinted backgrounds (chips, hover)
PRIMARY_TEXT = "#9c1a93"  # pink for text/links on white (7.0:1)
SECONDARY = "#37437d"  # navy
SECONDARY_DARK = "#1c2346"  # deep navy: body text (15.6:1 on white)
ON_PRIMARY = SECONDARY_DARK
ON_SECONDARY = "#ffffff"  # white on navy (9.6:1)

SIDEBAR = "#ece6fb"  # lavender
SIDEBAR_ACTIVE = "#ffffff"
PANEL = "#f7f7f7"  # light panels
SURFACE = "#ffffff"
BACKDROP = "rgba(28, 35, 70, 0.55)"

TEXT = SECONDARY_DARK
TEXT_MUTED = "#4a5278"  # 7.6:1 on white, 6.3:1 on lavender, 7.1:1 on panel
BORDER = "#dcd8ea"
BORDER_STRONG = "#8f95b8"  # form field borders (3.1:1, the non-text minimum)

SUCCESS = "#11663f"  # 7.0:1 on white
SUCCESS_SOFT = "#e3f5ec"
WARNING = "#8a4600"  # 6.6:1 on white
WARNING_SOFT = "#fff1de"
DANGER = "#b0221b"  # 6.4:1 on white
DANGER_SOFT = "#fde8e7"
SKELETON = "#e9e7f1"

FOCUS_RING = SECONDARY  # 2px ring + 2px white offset: visible on every surface we use

# --- type, shape, space -------------------------------------------------------------------------------
FONT_FAMILY = (
    "Inter, 'Inter Fallback', 'Inter var', ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', "
    "Arial, sans-serif"
)
RADIUS_SM = "8px"
RADIUS = "12px"
RADIUS_LG = "16px"  # rounded-2xl
RADIUS_XL = "24px"  # sidebar
RADIUS_PILL = "999px"
SHADOW = "0 1px 2px rgba(28,35,70,0.06), 0 4px 16px rgba(28,35,70,0.06)"
SHADOW_HOVER = "0 2px 4px rgba(28,35,70,0.08), 0 10px 28px rgba(28,35,70,0.12)"

SIDEBAR_WIDTH = "248px"
CONTENT_MAX = "1200px"
BREAKPOINT_MOBILE = "900px"  # below this the sidebar collapses behind a menu button

# --- reusable style dicts -------------------------------------------------------------------------------
focus_ring = {
    "_focus_visible": {
        "outline": f"2px solid {FOCUS_RING}",
        "outline_offset": "2px",
        "box_shadow": f"0 0 0 4px {SURFACE}",
    }
}

card_style = {
    "background": SURFACE,
    "border_radius": RADIUS_LG,
    "box_shadow": SHADOW,
    "border": f"1px solid {BORDER}",
    "overflow": "hidden",
}

panel_style = {
    "background": PANEL,
    "border_radius": RADIUS_LG,
    "padding": "1rem",
}

primary_button = {
    "background": PRIMARY,
    "color": ON_PRIMARY,
    "font_weight": "600",
    "border_radius": RADIUS,
    "cursor": "pointer",
    "_hover": {"background": PRIMARY_HOVER},
    "_disabled": {"opacity": "0.45", "cursor": "not-allowed"},
    **focus_ring,
}

secondary_button = {
    "background": SURFACE,
    "color": SECONDARY_DARK,
    "border": f"1px solid {BORDER_STRONG}",
    "font_weight": "600",
    "border_radius": RADIUS,
    "cursor": "pointer",
    "_hover": {"background": PRIMARY_SOFT},
    "_disabled": {"opacity": "0.45", "cursor": "not-allowed", "background": SURFACE},
    **focus_ring,
}

# A button that destroys or revokes (delete, revoke a key, cancel a registration): white on red.
danger_button = {**primary_button, "background": DANGER, "color": ON_SECONDARY}

link_style = {
    "color": PRIMARY_TEXT,
    "text_decoration": "underline",
    "text_underline_offset": "2px",
    **focus_ring,
}

badge_tones = {
    "soldout": {"background": DANGER_SOFT, "color": DANGER},
    "few": {"background": WARNING_SOFT, "color": WARNING},
    "open": {"background": SUCCESS_SOFT, "color": SUCCESS},
    "muted": {"background": PANEL, "color": TEXT_MUTED},
}

# Inter ships with the app (assets/fonts, SIL OFL), so every visitor sees it without a font CDN.
FONT_WEIGHTS = (400, 500, 600, 700)
FONT_PRELOAD = (400, 700)  # body text and headings: what the first screen of every page is set in


def font_url(weight: int) -> str:
    return f"/fonts/inter-latin-{weight}-normal.woff2"


FONT_FACES = "".join(
    f"@font-face {{ font-family: 'Inter'; font-style: normal; font-weight: {w}; font-display: swap; "
    f"src: url('{font_url(w)}') format('woff2'); }}\n"
    for w in FONT_WEIGHTS
)
# While Inter loads, text is set in a local Arial-metric font stretched to Inter's metrics, so the swap to
# Inter moves nothing (the overrides are Inter's own ascent/descent/advance ratios against Arial).
FALLBACK_FACE = (
    "@font-face { font-family: 'Inter Fallback'; src: local('Arial'), local('Liberation Sans'), "
    "local('Helvetica'); ascent-override: 90.44%; descent-override: 22.52%; line-gap-override: 0%; "
    "size-adjust: 107.12%; }\n"
)

# Event cards (events/components/cards.py): plain elements with these classes, no per-element style. The type
# reproduces the Radix Text/Heading sizes the cards used (Radix's tokens: --font-size-N, --line-height-N, ...).
# A grid marked data-loading holds placeholder cards (empty texts): each line is then a grey bar of the line's
# height (a no-break space in the same type), the title two bars, so a placeholder is as tall as a card. (Not
# keyed on its aria-hidden: an open dialog sets aria-hidden on what is behind it.)
CARD_CSS = f"""
.khala-grid {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 250px), 1fr)); gap: 1.25rem; }}
.khala-cell {{ display: flex; }}
.khala-tile {{ background: {SURFACE}; border-radius: {RADIUS_LG}; box-shadow: {SHADOW}; border: 1px solid {BORDER};
  overflow: hidden; position: relative; display: flex; flex-direction: column; width: 100%; }}
.khala-tile-img {{ aspect-ratio: 16 / 10; overflow: hidden; position: relative; }}
.khala-tile-img img {{ width: 100%; height: 100%; object-fit: cover; display: block; }}
.khala-tile-img img:not([src]) {{ visibility: hidden; }}
.khala-tile-badge {{ position: absolute; top: 0.6rem; right: 0.6rem; }}
.khala-badge {{ display: inline-block; padding: 0.15rem 0.6rem; border-radius: {RADIUS_PILL}; font-size: 0.8rem;
  font-weight: 700; white-space: nowrap; }}
.khala-tile-body {{ box-sizing: border-box; display: flex; flex-direction: column; align-items: flex-start;
  gap: var(--space-1); padding: 0.9rem 1rem 1rem; flex: 1; width: 100%; }}
.khala-line {{ margin: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 100%; }}
.khala-tile-cat {{ font-size: var(--font-size-1); line-height: var(--line-height-1); font-weight: var(--font-weight-bold);
  color: {PRIMARY_TEXT}; text-transform: uppercase; letter-spacing: 0.04em; }}
.khala-tile-title {{ margin: 0; font-family: var(--heading-font-family); font-style: var(--heading-font-style);
  font-weight: var(--font-weight-bold); font-size: calc(var(--font-size-4) * var(--heading-font-size-adjust));
  letter-spacing: calc(var(--letter-spacing-4) + var(--heading-letter-spacing)); color: {TEXT}; width: 100%;
  display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; line-height: 1.3;
  min-height: 2.6em; }}
.khala-tile-title a {{ color: inherit; text-decoration: none; }}
.khala-tile-venue {{ font-size: var(--font-size-2); line-height: var(--line-height-2); letter-spacing: var(--letter-spacing-2);
  color: {TEXT_MUTED}; }}
.khala-tile-date {{ font-size: 0.875rem; line-height: 1.25rem; color: {TEXT}; }}
.khala-tile-price {{ font-size: var(--font-size-3); line-height: var(--line-height-3); letter-spacing: var(--letter-spacing-3);
  font-weight: var(--font-weight-bold); color: {TEXT}; margin-top: auto; }}
.khala-grid[data-loading] .khala-line, .khala-grid[data-loading] .khala-tile-title::before,
.khala-grid[data-loading] .khala-tile-title::after {{ background: {SKELETON}; border-radius: 6px;
  animation: khala-shimmer 1.4s ease-in-out infinite; }}
.khala-grid[data-loading] .khala-line::before {{ content: "\\a0"; }}
.khala-grid[data-loading] .khala-tile-cat {{ width: 30%; }}
.khala-grid[data-loading] .khala-tile-venue {{ width: 70%; }}
.khala-grid[data-loading] .khala-tile-date {{ width: 50%; }}
.khala-grid[data-loading] .khala-tile-price {{ width: 35%; }}
.khala-grid[data-loading] .khala-tile-title {{ display: block; }}
.khala-grid[data-loading] .khala-tile-title a {{ display: none; }}
.khala-grid[data-loading] .khala-tile-title::before, .khala-grid[data-loading] .khala-tile-title::after {{
  content: "\\a0"; display: block; width: 90%; }}
.khala-grid[data-loading] .khala-tile-title::after {{ width: 55%; }}
"""

# The global sheet (``@layer khala`` of the bundled stylesheet, see ui/stylesheet.py): a component's own
# style wins over it, so a rule here that must beat one (a media query hiding the sidebar) says !important.
GLOBAL_CSS = (
    FONT_FACES
    + FALLBACK_FACE
    + CARD_CSS
    + f"""
html, body {{ font-family: {FONT_FAMILY}; color: {TEXT}; background: {SURFACE}; }}
.radix-themes {{ --default-font-family: {FONT_FAMILY}; }}
/* Radix's pink accent, tuned to ours: its solid buttons are our primary (navy on pink, 6.2:1, instead of white
   on Radix's pink-9, 4.1:1) and its accent text our link pink (7.0:1 on white). */
[data-accent-color="pink"] {{ --accent-9: {PRIMARY}; --accent-10: {PRIMARY_HOVER}; --accent-contrast: {ON_PRIMARY};
  --accent-11: {PRIMARY_TEXT}; --accent-a11: {PRIMARY_TEXT}; }}
/* The notice colours Radix uses for soft badges and callouts (text on a tint), set to ours (6.4:1 and up). */
[data-accent-color="green"] {{ --accent-11: {SUCCESS}; --accent-a11: {SUCCESS}; }}
[data-accent-color="red"] {{ --accent-11: {DANGER}; --accent-a11: {DANGER}; }}
[data-accent-color="amber"] {{ --accent-11: {WARNING}; --accent-a11: {WARNING}; }}
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible,
textarea:focus-visible, [role="button"]:focus-visible, [tabindex]:focus-visible {{
  outline: 2px solid {FOCUS_RING}; outline-offset: 2px;
}}
/* Radix text fields: one ring around the whole field (navy, 3:1+ on every surface), not the inner input. */
.rt-TextFieldInput:focus-visible {{ outline: none; }}
.rt-TextFieldRoot:focus-within {{ outline: 2px solid {FOCUS_RING}; outline-offset: 1px; }}
.rt-SelectTrigger:focus-visible {{ outline: 2px solid {FOCUS_RING}; outline-offset: 1px; }}
.khala-skip {{ position: absolute; left: -9999px; top: 0; z-index: 100; background: {SECONDARY_DARK};
  color: {ON_SECONDARY}; padding: 0.5rem 1rem; border-radius: {RADIUS_SM}; }}
.khala-skip:focus {{ left: 1rem; top: 1rem; }}
/* Placeholders shimmer (opacity: the compositor animates it, no repaint per frame); an image box that is a
   skeleton only until its picture arrives stays still, so the badge on it keeps its contrast. */
@keyframes khala-shimmer {{ 0%, 100% {{ opacity: 1 }} 50% {{ opacity: .55 }} }}
.khala-skeleton {{ background: {SKELETON}; }}
[aria-hidden="true"] .khala-skeleton, .khala-skeleton[aria-hidden="true"], [aria-busy="true"] .khala-skeleton {{
  animation: khala-shimmer 1.4s ease-in-out infinite; }}
.khala-card img {{ transition: transform .25s ease; }}
.khala-card:hover img {{ transform: scale(1.04); }}
.khala-card:hover {{ box-shadow: {SHADOW_HOVER} !important; }}
.khala-md h1, .khala-md h2, .khala-md h3 {{ margin: 1rem 0 .5rem; font-weight: 700; }}
.khala-md p, .khala-md ul, .khala-md ol {{ margin: .5rem 0; line-height: 1.6; }}
.khala-md ul, .khala-md ol {{ padding-left: 1.4rem; list-style: disc outside; }}
.khala-md ol {{ list-style: decimal outside; }}
.khala-md a {{ color: {PRIMARY_TEXT}; text-decoration: underline; }}
.khala-md code {{ background: {PANEL}; padding: 0 .25rem; border-radius: 4px; }}
.khala-md blockquote {{ border-left: 3px solid {PRIMARY}; padding-left: .75rem; color: {TEXT_MUTED}; }}
[data-tone="soldout"] {{ background: {DANGER_SOFT}; color: {DANGER}; }}
[data-tone="few"] {{ background: {WARNING_SOFT}; color: {WARNING}; }}
[data-tone="open"] {{ background: {SUCCESS_SOFT}; color: {SUCCESS}; }}
[data-tone=""] {{ display: none !important; }}
.khala-stretched::after {{ content: ""; position: absolute; inset: 0; border-radius: {RADIUS_LG}; }}
.khala-stretched:focus-visible {{ outline: none; }}
.khala-stretched:focus-visible::after {{ outline: 3px solid {FOCUS_RING}; outline-offset: 2px; }}
.khala-sr {{ position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0,0,0,0); white-space: nowrap; border: 0; }}
.khala-cal-grid {{ display: grid; grid-template-columns: repeat(7, minmax(0, 1fr)); gap: 4px; }}
.khala-agenda {{ display: none; }}
@media (max-width: 640px) {{
  .khala-cal-grid, .khala-cal-weekdays {{ display: none; }}
  .khala-agenda {{ display: block; }}
  .khala-account-name {{ display: none; }}
  .khala-title-dynamic {{ min-height: 2lh; }}
}}
@media (prefers-reduced-motion: reduce) {{
  *, *::before, *::after {{ animation: none !important; transition: none !important; }}
}}
@media (max-width: {BREAKPOINT_MOBILE}) {{
  .khala-sidebar {{ display: none !important; }}
  .khala-sidebar[data-open="true"] {{ display: flex !important; position: fixed !important;
    inset: 0.5rem auto 0.5rem 0.5rem !important; margin: 0 !important; height: auto !important;
    z-index: 50; width: min(85vw, 300px) !important; box-shadow: {SHADOW_HOVER}; }}
  .khala-menu-button {{ display: inline-flex !important; }}
  .khala-main {{ padding: 0.75rem !important; }}
}}
"""
)
