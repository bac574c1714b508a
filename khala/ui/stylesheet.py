"""The app's CSS at build time: our global styles in the bundled stylesheet, Radix trimmed and layered under them.

``KhalaStylesheet`` (a Reflex plugin, listed in ``rxconfig.py``):

1. writes ``theme.GLOBAL_CSS`` (fonts, focus rings, skeletons, responsive shell rules) into the bundled,
   content-hashed stylesheet the ``<head>`` links, inside ``@layer khala``, instead of an inline ``<style>`` in
   every page body;
2. adds a PostCSS step to the frontend build (``.web/postcss.config.js``) that, once the Radix Themes files are
   inlined, keeps a component's rules only when a compiled page imports that component from
   ``@radix-ui/themes`` (read from ``.web/app`` at build time, so a component used tomorrow brings its CSS
   along; rules of no component — tokens, resets, keyframes, utilities — all stay), and puts Radix in
   ``@layer radix``;
3. drops the loader that would put all of Radix Themes on ``window.__reflex`` for dynamic components (Khala
   has none): its namespace import alone kept every Radix component in the bundle every page loads.

Layers order the cascade ``__reflex_base`` (Reflex's reset) < ``radix`` < ``khala`` < unlayered, and unlayered
rules win whatever their order in the document. The styles a component is given in Python (Emotion classes,
``theme.py``'s tokens) therefore win over Radix's defaults and over the global sheet, in the prerendered HTML and
after hydration alike. Before, the winner depended on the order of ``<style>`` tags, which React changes while
hydrating: buttons, links and the sidebar changed colour and size after the page had painted (contrast failures
and layout shifts). A global rule that must beat a component's own style (a media query hiding the sidebar)
says ``!important``.

Everything runs inside the Vite build, so what is trimmed is what gets the content hash.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import reflex as rx

from khala.ui import theme

PLUGIN_FILE = "khala-radix-css.js"
GLOBAL_SHEET = "khala.css"  # in .web/styles, beside Reflex's root stylesheet
RADIX_LOADER = '"@radix-ui/themes": () => import("@radix-ui/themes"),'
MARK = "// khala: radix css"

# Radix components whose CSS lives (also) in shared families: a Button is styled by .rt-BaseButton, a
# Select's list by the scroll area and popper rules.
SHARED = {
    "Button": ["BaseButton"],
    "IconButton": ["BaseButton"],
    "Dialog": ["BaseDialog"],
    "AlertDialog": ["BaseDialog"],
    "DropdownMenu": ["BaseMenu", "ScrollArea", "PopperContent"],
    "ContextMenu": ["BaseMenu", "ScrollArea", "PopperContent"],
    "Select": ["ScrollArea", "PopperContent"],
    "Popover": ["PopperContent"],
    "HoverCard": ["PopperContent"],
    "Tooltip": ["PopperContent"],
    "Checkbox": ["BaseCheckbox"],
    "CheckboxGroup": ["BaseCheckbox"],
    "CheckboxCards": ["BaseCheckbox", "BaseCard"],
    "RadioGroup": ["BaseRadio"],
    "Radio": ["BaseRadio"],
    "RadioCards": ["BaseRadio", "BaseCard"],
    "Card": ["BaseCard"],
    "Tabs": ["BaseTabList"],
    "TabNav": ["BaseTabList"],
}

# The class a Radix prop's value per breakpoint gets (``.md\\:rt-r-gtc-3`` for ``columns``), by the prop's name in
# the compiled pages (camelCase). ``align`` is a Flex's align-items, a Text's text-align, a table cell's
# vertical-align.
RESPONSIVE_CLASSES = {
    **{p: [p] for p in ("p", "px", "py", "pt", "pr", "pb", "pl", "m", "mx", "my", "mt", "mr", "mb", "ml")},
    **{p: [p] for p in ("position", "inset", "top", "right", "bottom", "left", "overflow", "display", "gap")},
    **{p: [p] for p in ("size", "weight", "resize")},
    "trim": ["lt"],
    "wrap": ["fw", "tw"],  # a Flex's flex-wrap, a Text's text-wrap
    "width": ["w"],
    "minWidth": ["min-w"],
    "maxWidth": ["max-w"],
    "height": ["h"],
    "minHeight": ["min-h"],
    "maxHeight": ["max-h"],
    "overflowX": ["ox"],
    "overflowY": ["oy"],
    "flexBasis": ["fb"],
    "flexShrink": ["fs"],
    "flexGrow": ["fg"],
    "gridArea": ["ga"],
    "gridColumn": ["gc"],
    "gridColumnStart": ["gcs"],
    "gridColumnEnd": ["gce"],
    "gridRow": ["gr"],
    "gridRowStart": ["grs"],
    "gridRowEnd": ["gre"],
    "direction": ["fd"],
    "align": ["ai", "ta", "va"],
    "justify": ["jc"],
    "justifyItems": ["ji"],
    "justifySelf": ["js"],
    "alignContent": ["ac"],
    "alignSelf": ["as"],
    "gapX": ["cg"],
    "gapY": ["rg"],
    "columns": ["gtc"],
    "rows": ["gtr"],
    "flow": ["gaf"],
    "areas": ["gta"],
}

POSTCSS_PLUGIN = (
    MARK
    + """ (khala/ui/stylesheet.py): trim Radix Themes to the components the app imports, in @layer radix.
import fs from "node:fs";
import path from "node:path";

const SHARED = %s;
const IMPORTS = /import\\s*\\{([^}]*)\\}\\s*from\\s*"@radix-ui\\/themes"/g;
const COMPONENT_CLASS = /\\.rt-([A-Z][A-Za-z]*)/g;

function sources(dir, out) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) sources(p, out);
    else if (/\\.(jsx?|tsx?)$/.test(entry.name)) out.push(p);
  }
  return out;
}

function compiled(webDir) {
  return ["app", "utils", "components", "app_components"].flatMap((dir) => sources(path.join(webDir, dir), []));
}

function usedFamilies(files) {
  const used = new Set();
  for (const file of files) {
    for (const m of fs.readFileSync(file, "utf8").matchAll(IMPORTS)) {
      for (const spec of m[1].split(",")) {
        const name = spec.trim().split(/\\s+as\\s+/)[0].trim();
        if (!name) continue;
        used.add(name);
        for (const shared of SHARED[name] || []) used.add(shared);
      }
    }
  }
  return used;
}

function keepSelector(selector, used) {
  for (const m of selector.matchAll(COMPONENT_CLASS)) {
    let ok = false;
    for (const family of used) if (m[1].startsWith(family)) { ok = true; break; }
    if (!ok) return false;
  }
  return true;
}

// The responsive variants (".sm\\:rt-r-gtc-2" inside "@media (width>=768px)") of the props a page gives a value per
// breakpoint (rx.breakpoints: `columns:({ ["initial"] : "1", ["sm"] : "2" })` in the compiled pages); the others
// are most of Radix's CSS and no element can carry them. A prop not in this table keeps every variant.
const RESPONSIVE_CLASSES = %s;
const RESPONSIVE_VALUE = /([A-Za-z_$][\\w$]*):\\(\\{\\s*\\["(?:initial|xs|sm|md|lg|xl)"\\]\\s*:/g;
const VARIANT_CLASS = /\\\\:rt-r-([a-z0-9-]+)/g;

function responsivePrefixes(files) {
  const prefixes = new Set();
  for (const file of files) {
    for (const m of fs.readFileSync(file, "utf8").matchAll(RESPONSIVE_VALUE)) {
      const known = RESPONSIVE_CLASSES[m[1]];
      if (!known) return null; // a prop we cannot map: keep every variant
      for (const p of known) prefixes.add(p);
    }
  }
  return prefixes;
}

function keepVariant(selector, prefixes) {
  if (prefixes === null) return true;
  for (const m of selector.matchAll(VARIANT_CLASS)) {
    let ok = false;
    for (const p of prefixes) if (m[1] === p || m[1].startsWith(p + "-")) { ok = true; break; }
    if (!ok) return false;
  }
  return true;
}

function trim(container, used, prefixes) {
  container.each((node) => {
    if (node.type === "rule") {
      const kept = node.selectors.filter((s) => keepSelector(s, used) && keepVariant(s, prefixes));
      if (kept.length === 0) node.remove();
      else if (kept.length !== node.selectors.length) node.selectors = kept;
    } else if (node.type === "atrule" && node.nodes && !/keyframes$/.test(node.name)) {
      trim(node, used, prefixes);
      if (node.nodes.length === 0) node.remove();
    }
  });
}

const fromRadix = (node) => /[\\\\/]@radix-ui[\\\\/]themes[\\\\/]/.test(node.source?.input?.file || "");

export default function khalaRadixCss() {
  return {
    postcssPlugin: "khala-radix-css",
    OnceExit(root, { AtRule }) {
      root.prepend(new AtRule({ name: "layer", params: "__reflex_base, radix, khala" }));
      const radix = root.nodes.filter(fromRadix);
      if (radix.length === 0) return;
      const files = compiled(path.dirname(new URL(import.meta.url).pathname));
      const used = usedFamilies(files);
      const prefixes = responsivePrefixes(files);
      const layer = new AtRule({ name: "layer", params: "radix" });
      radix[0].before(layer);
      for (const node of radix) layer.append(node);
      trim(layer, used, prefixes);
    },
  };
}
khalaRadixCss.postcss = true;
"""
)


class KhalaStylesheet(rx.plugins.Plugin):
    """The global sheet, the PostCSS step and the root patch above."""

    def get_stylesheet_paths(self, **context: Any) -> tuple[str, ...]:
        return (f"./{GLOBAL_SHEET}",)

    def get_static_assets(self, **context: Any) -> list[tuple[Path, str]]:
        return [
            (Path(PLUGIN_FILE), POSTCSS_PLUGIN % (json.dumps(SHARED), json.dumps(RESPONSIVE_CLASSES))),
            (Path("styles") / GLOBAL_SHEET, f"@layer khala {{\n{theme.GLOBAL_CSS}\n}}\n"),
        ]

    def pre_compile(self, **context: Any) -> None:
        context["add_modify_task"]("postcss.config.js", self._patch)
        context["add_modify_task"]("app/root.jsx", self._no_window_radix)

    @staticmethod
    def _no_window_radix(source: str) -> str:
        """Drop the loader that puts all of Radix Themes on ``window.__reflex`` for dynamic components.

        Khala has no dynamic components; the ``import("@radix-ui/themes")`` namespace import alone keeps every
        Radix component (tabs, sliders, hover cards …) in the bundle every page loads.
        """
        return source.replace(RADIX_LOADER, "")

    @staticmethod
    def _patch(source: str) -> str:
        if MARK in source:  # already patched by an earlier compile
            return source
        if '"postcss-import": {},' not in source or "autoprefixer" not in source:
            raise RuntimeError(
                "KhalaStylesheet: Reflex's postcss.config.js changed; cannot add the Radix step"
            )
        return f"""import postcssImport from "postcss-import";
import autoprefixer from "autoprefixer";
import khalaRadixCss from "./{PLUGIN_FILE}"; {MARK}

const noVendorPrefix = /^(1|true|y|yes)$/i.test(process.env.REFLEX_NO_AUTOPREFIXER ?? "");

export default {{
  plugins: [postcssImport(), khalaRadixCss(), ...(noVendorPrefix ? [] : [autoprefixer()])],
}};
"""
