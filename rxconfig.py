"""Reflex configuration. Reads khala.settings and nothing else."""

from pathlib import Path
from typing import Any

import reflex as rx

from khala.lib import routes
from khala.settings import get_settings
from khala.ui.account_menu import AccountMenuModule
from khala.ui.stylesheet import KhalaStylesheet

settings = get_settings()

# The colour scales the UI uses: the pink accent with its natural grey (mauve), plain grey, and the red,
# green and amber of notices. Radix's full token sheet carries all 31 scales (35 KB of the 88 KB gzip CSS).
THEME_COLOURS = ("pink", "mauve", "gray", "red", "green", "amber")


class RadixThemes(rx.plugins.RadixThemesPlugin):
    """Radix Themes with only the colour tokens Khala uses, so public pages load less CSS."""

    def get_stylesheet_paths(self, **context: Any) -> tuple[str, ...]:
        if not self.enabled:
            return ()
        return (
            "@radix-ui/themes/tokens/base.css",
            *(f"@radix-ui/themes/tokens/colors/{c}.css" for c in THEME_COLOURS),
            "@radix-ui/themes/components.css",
            "@radix-ui/themes/utilities.css",
        )


class SameOriginBackend(rx.plugins.Plugin):
    """The built frontend reaches the backend on the origin it was loaded from (host and port).

    Reflex bakes ``api_url`` (``http://localhost:<port at build time>``) into the bundle and only swaps the
    host name at run time. Khala serves pages, websocket and API on one port, so one build serves any port,
    any replica and any proxy: ``python -m khala build`` once, ``python -m khala serve`` anywhere.
    """

    MARK = "// khala: same origin"
    PATCHES = (
        ("endpoint.hostname = frontend_hostname;", f"endpoint.host = window.location.host; {MARK}"),
        ('endpoint.port = ""; // Assume websocket is on https port via load balancer.', ""),
    )

    def pre_compile(self, **context: Any) -> None:
        context["add_modify_task"]("utils/state.js", self._patch)

    @classmethod
    def _patch(cls, source: str) -> str:
        if cls.MARK in source:  # already patched by an earlier compile
            return source
        for old, new in cls.PATCHES:
            if old not in source:
                raise RuntimeError(f"SameOriginBackend: Reflex's state.js changed; cannot find {old!r}")
            source = source.replace(old, new)
        return source


class FewerChunks(rx.plugins.Plugin):
    """Vite puts every Lucide icon in a chunk of its own (about 300 bytes each, 20 or more per page): all of them
    go into one ``icons`` chunk, and React, React Router and Emotion, which every page runs, into one ``runtime``
    chunk. Over HTTP/1.1 (six connections to a host) a phone then waits for 15 requests, not 40.
    """

    ANCHOR = """            {
              test: /env.json/,
              name: "reflex-env",
            },"""
    GROUPS = r"""
            {
              name: "runtime",
              test: /[\\/]node_modules[\\/](react|react-dom|scheduler|react-router|@emotion|stylis)[\\/]/,
              priority: 30,
            },
            {
              // the icons a page imports, not the 1,600 the admin's dynamic icon can load one by one
              name: (id, ctx) =>
                /[\\/]lucide-react[\\/]dist[\\/]esm[\\/]icons[\\/]/.test(id) &&
                (ctx.getModuleInfo(id)?.importers ?? []).some((i) => !/[\\/]lucide-react[\\/]/.test(i))
                  ? "icons"
                  : null,
              priority: 20,
            },
            {
              // what every page's Radix pieces share (props, helpers, the layout primitives), not the dialog
              // (loaded when one opens: LazyDialogs), nor the menus, selects and popovers of some pages
              name: "radix",
              test: /[\\/]node_modules[\\/](@radix-ui[\\/]themes[\\/]dist[\\/]esm[\\/](helpers[\\/]|props[\\/]|components[\\/]([a-z-]+\.props|box|flex|text|heading|link|button|base-button|icon-button|spinner|callout|theme|icons|slot|visually-hidden)\.js)|@radix-ui[\\/](react-(primitive|slot|compose-refs|context|use-[a-z-]+|id|direction|presence|visually-hidden)|primitive)[\\/]|radix-ui[\\/]|classnames[\\/])/,
              priority: 10,
            },"""

    def pre_compile(self, **context: Any) -> None:
        context["add_modify_task"]("vite.config.js", self._patch)

    @classmethod
    def _patch(cls, source: str) -> str:
        if '"icons"' in source:
            return source
        if cls.ANCHOR not in source:
            raise RuntimeError("FewerChunks: Reflex's vite.config.js changed; cannot find its chunk groups")
        return source.replace(cls.ANCHOR, cls.ANCHOR + cls.GROUPS)


class _VitePlugin(rx.plugins.Plugin):
    """One of our Vite plugins: ``PLUGIN`` (JavaScript defining ``function FUNCTION()``) put into Reflex's
    ``vite.config.js`` and listed before its ``reactRouter()``; ``MODULE`` (with ``SOURCE``), when set, a module
    the transform points imports at, written into ``.web``."""

    ANCHOR = "export default defineConfig((config) => ({"
    FUNCTION = ""
    PLUGIN = ""
    MODULE = ""
    SOURCE = ""

    def get_static_assets(self, **context: Any) -> list[tuple[Path, str]]:
        return [(Path(self.MODULE), self.SOURCE)] if self.MODULE else []

    def pre_compile(self, **context: Any) -> None:
        context["add_modify_task"]("vite.config.js", self._patch)

    @classmethod
    def _patch(cls, source: str) -> str:
        if cls.FUNCTION in source:
            return source
        if source.count(cls.ANCHOR) != 1 or "    reactRouter()," not in source:
            raise RuntimeError(f"{cls.__name__}: Reflex's vite.config.js changed")
        source = source.replace(cls.ANCHOR, cls.PLUGIN + cls.ANCHOR)
        return source.replace("    reactRouter(),", f"    {cls.FUNCTION}(),\n    reactRouter(),", 1)


class NoIdleTooltipProvider(_VitePlugin):
    """Radix Themes' ``<Theme>`` wraps every page in a Tooltip provider, which brings the tooltip, the popper and
    Floating UI into the chunk every page loads. While no compiled page imports a Radix Tooltip (read from
    ``.web`` at build time, as the CSS trim does), the provider is a plain pass-through; a page that imports one
    gets the real provider back.
    """

    FUNCTION = "khalaNoIdleTooltipProvider"
    PLUGIN = r"""// khala: tooltip provider (rxconfig.py NoIdleTooltipProvider)
import khalaFs from "node:fs";
import khalaPath from "node:path";
function khalaNoIdleTooltipProvider() {
  const THEME = /[\\/]@radix-ui[\\/]themes[\\/]dist[\\/]esm[\\/]components[\\/]theme\.js$/;
  const IMPORT = /import\{([^}]*)\}from"radix-ui";/;
  const USES = /import\s*\{[^}]*\bTooltip\b[^}]*\}\s*from\s*"(@radix-ui\/themes|radix-ui|@radix-ui\/react-tooltip)"/;
  const web = khalaPath.dirname(fileURLToPath(import.meta.url));
  const files = (dir, out = []) => {
    if (!khalaFs.existsSync(dir)) return out;
    for (const e of khalaFs.readdirSync(dir, { withFileTypes: true })) {
      const p = khalaPath.join(dir, e.name);
      if (e.isDirectory()) files(p, out);
      else if (/\.(jsx?|tsx?)$/.test(e.name)) out.push(p);
    }
    return out;
  };
  const usesTooltip = () =>
    ["app", "utils", "components", "app_components"].some((d) =>
      files(khalaPath.join(web, d)).some((f) => USES.test(khalaFs.readFileSync(f, "utf8"))),
    );
  return {
    name: "khala-no-idle-tooltip-provider",
    enforce: "pre",
    transform(code, id) {
      if (!THEME.test(id) || usesTooltip()) return;
      const m = code.match(IMPORT);
      const names = m ? m[1].split(",") : [];
      const tooltip = names.find((n) => /^Tooltip as \w+$/.test(n.trim()));
      if (!tooltip) this.error("Radix Themes' theme.js changed: cannot find its Tooltip import");
      const rest = names.filter((n) => n !== tooltip).join(",");
      const local = tooltip.trim().split(" as ")[1];
      const stub = `const ${local}={Provider:(props)=>props.children};`;
      return { code: code.replace(m[0], `import{${rest}}from"radix-ui";${stub}`), map: null };
    },
  };
}

"""


def _lazy_radix_plugin(component: str, owner: str, name: str, module: str, keep_if: str = "") -> str:
    """A Vite transform (function ``khala<owner>``) that points the pages' Radix Themes ``component`` import at
    ``module`` (a stand-in that loads the real code when first needed); the other names of that import stay.
    ``keep_if``: a JS template literal; a page whose code contains it keeps the real import."""
    keep = f"\n      if (code.includes({keep_if})) return;" if keep_if else ""
    return rf"""// khala: lazy {component.lower()}s (rxconfig.py {owner})
function khala{owner}() {{
  const web = fileURLToPath(new URL("./", import.meta.url));
  const IMPORT = /import\s*\{{([^}}]*)\}}\s*from\s*"@radix-ui\/themes"/;
  return {{
    name: "{name}",
    enforce: "pre",
    transform(code, id) {{
      const file = id.split("?")[0];
      if (!/\.jsx?$/.test(file) || !(file.startsWith(web + "app/") || file.startsWith(web + "app_components/"))) return;
      const m = code.match(IMPORT);
      if (!m) return;
      const names = m[1].split(",").map((n) => n.trim()).filter(Boolean);
      const found = names.find((n) => /^{component} as \w+$/.test(n));
      if (!found) return;
      const local = found.split(" as ")[1];{keep}
      const rest = names.filter((n) => n !== found);
      const lazy = `import {{{component} as ${{local}}}} from "$/{module}"`;
      const eager = rest.length ? `import {{${{rest.join(",")}}}} from "@radix-ui/themes"\n` : "";
      return {{ code: code.replace(m[0], eager + lazy), map: null }};
    }},
  }};
}}

"""


class LazyDialogs(_VitePlugin):
    """A Radix Themes ``Dialog`` (the event modal, the register dialog, the admin's forms) loads its code when it
    is first opened, not with the page: a closed dialog renders nothing, so until then ``Dialog.Root`` is
    ``null`` too and the dialog, focus-trap, scroll-lock and portal code stay out of the first load.

    A Vite transform points the compiled pages' ``Dialog`` import at ``utils/khala_lazy_dialog.js``. Only
    controlled dialogs (``open`` from state) are changed: a module that renders a ``Dialog.Trigger`` (whose button
    must show while closed) keeps the eager import. The code is fetched on the visitor's first pointer or key
    press (so it is there when the state opens the dialog) or when ``open`` turns true.
    """

    MODULE = "utils/khala_lazy_dialog.js"
    SOURCE = """// khala: lazy dialog (rxconfig.py LazyDialogs)
import { createElement, useEffect, useState } from "react";

let real = null;
let pending = null;
function load() {
  if (!pending) pending = import("@radix-ui/themes/components/dialog").then((m) => (real = m));
  return pending;
}
if (typeof window !== "undefined") {
  for (const type of ["pointerdown", "keydown"]) window.addEventListener(type, load, { once: true, capture: true, passive: true });
}

function Root(props) {
  const [dialog, setDialog] = useState(real);
  useEffect(() => {
    if (props.open && !dialog) load().then((m) => setDialog(m));
  }, [props.open, dialog]);
  return dialog ? createElement(dialog.Root, props) : null;
}
// Rendered only inside a loaded Root.
const part = (name) => {
  const Part = (props) => createElement(real[name], props);
  Part.displayName = `Dialog.${name}`;
  return Part;
};
export const Dialog = {
  Root,
  Content: part("Content"),
  Title: part("Title"),
  Description: part("Description"),
  Close: part("Close"),
};
"""
    FUNCTION = "khalaLazyDialogs"
    PLUGIN = _lazy_radix_plugin(
        "Dialog",
        "LazyDialogs",
        "khala-lazy-dialogs",
        MODULE,
        # an uncontrolled dialog's button shows while closed: such a dialog keeps the real code
        keep_if="`${local}.Trigger`",
    )


class LazySelects(_VitePlugin):
    """A Radix Themes ``Select`` (the /events filters, the admin's embed form) loads its code when it is first
    needed, not with the page: the select, popper, Floating UI, focus-scope and scroll-lock modules (about 35 KB
    gzip) stay out of the first load.

    A Vite transform points the compiled pages' ``Select`` import at ``utils/khala_lazy_select.js``. Until the real
    module is there, ``Select.Trigger`` renders the button Radix Themes renders while closed (same element, classes,
    ARIA and text: the selected item's text is portalled into the value span, as Radix does); ``Content`` renders
    only its items, which put nothing in the page but that text. The code is fetched on the visitor's first pointer
    or key press anywhere, or when a trigger is hovered or focused; then every select swaps to the real one (focus
    kept), and one the visitor pressed (pointer, Enter, Space, arrows) opens as Radix would have opened it.
    """

    MODULE = "utils/khala_lazy_select.js"
    SOURCE = """// khala: lazy select (rxconfig.py LazySelects)
import { createContext, createElement, Fragment, useContext, useEffect, useRef, useState } from "react";
import { createPortal } from "react-dom";
import classNames from "classnames";
import { extractProps } from "@radix-ui/themes/helpers";
import { marginPropDefs } from "@radix-ui/themes/props";
import { selectRootPropDefs, selectTriggerPropDefs } from "@radix-ui/themes/components/select.props";
import { ChevronDownIcon } from "@radix-ui/themes/components/icons";

let real = null;
let pending = null;
const waiting = new Set();
function load() {
  if (!pending)
    pending = import("@radix-ui/themes/components/select").then((m) => {
      real = m;
      for (const swap of waiting) swap(m);
      waiting.clear();
      return m;
    });
  return pending;
}
if (typeof window !== "undefined") {
  for (const type of ["pointerdown", "keydown"]) window.addEventListener(type, load, { once: true, capture: true, passive: true });
}

const StandIn = createContext(null);
const OPEN_KEYS = [" ", "Enter", "ArrowUp", "ArrowDown"];

function Root(props) {
  const [select, setSelect] = useState(real);
  const [valueNode, setValueNode] = useState(null);
  const trigger = useRef(null);
  const wantOpen = useRef(false);
  const refocus = useRef(null);
  useEffect(() => {
    if (select) return;
    const swap = (m) => {
      const el = trigger.current;
      refocus.current = el && el.id && document.activeElement === el ? el.id : null;
      setSelect(m);
    };
    if (real) swap(real);
    else waiting.add(swap);
    return () => waiting.delete(swap);
  }, [select]);
  useEffect(() => {
    if (select && refocus.current && !wantOpen.current) document.getElementById(refocus.current)?.focus();
    refocus.current = null;
  }, [select]);
  if (select) return createElement(select.Root, wantOpen.current ? { ...props, defaultOpen: true } : props);
  const { children, size, value, defaultValue, disabled, required } = props;
  const open = () => {
    wantOpen.current = true;
    load();
  };
  const ctx = { size, value: value ?? defaultValue, disabled, required, valueNode, setValueNode, trigger, open };
  return createElement(StandIn.Provider, { value: ctx }, children);
}

const none = (v) => v === "" || v === undefined;
function Trigger(props) {
  const ctx = useContext(StandIn);
  if (!ctx) return createElement(real.Trigger, props);
  const { children, className, color, radius, placeholder, ref, onPointerDown, onKeyDown, onClick, onFocus, onPointerEnter, ...rest } =
    extractProps({ size: ctx.size, ...props }, { size: selectRootPropDefs.size }, selectTriggerPropDefs, marginPropDefs);
  const setRef = (el) => {
    ctx.trigger.current = el;
    if (typeof ref === "function") ref(el);
    else if (ref) ref.current = el;
  };
  return createElement(
    "button",
    {
      type: "button",
      role: "combobox",
      "aria-expanded": false,
      "aria-required": ctx.required,
      "aria-autocomplete": "none",
      dir: "ltr",
      "data-state": "closed",
      disabled: ctx.disabled,
      "data-disabled": ctx.disabled ? "" : undefined,
      "data-placeholder": none(ctx.value) ? "" : undefined,
      "data-accent-color": color,
      "data-radius": radius,
      ...rest,
      ref: setRef,
      className: classNames("rt-reset", "rt-SelectTrigger", className),
      onFocus: (e) => { onFocus?.(e); load(); },
      onPointerEnter: (e) => { onPointerEnter?.(e); load(); },
      onPointerDown: (e) => {
        onPointerDown?.(e);
        if (e.button === 0 && !e.ctrlKey && e.pointerType === "mouse") { ctx.open(); e.preventDefault(); }
      },
      onClick: (e) => {
        onClick?.(e);
        e.currentTarget.focus();
        if (e.nativeEvent.pointerType !== "mouse") ctx.open();
      },
      onKeyDown: (e) => {
        onKeyDown?.(e);
        if (OPEN_KEYS.includes(e.key)) { ctx.open(); e.preventDefault(); }
      },
    },
    createElement(
      "span",
      { className: "rt-SelectTriggerInner" },
      createElement("span", { ref: ctx.setValueNode, style: { pointerEvents: "none" } }, none(ctx.value) ? placeholder : children),
    ),
    createElement(ChevronDownIcon, { className: "rt-SelectIcon", "aria-hidden": true }),
  );
}

// While closed, Radix renders the items only to put the selected one's text in the trigger: so do these.
function Content(props) {
  return useContext(StandIn) ? createElement(Fragment, null, props.children) : createElement(real.Content, props);
}
function Item(props) {
  const ctx = useContext(StandIn);
  if (!ctx) return createElement(real.Item, props);
  return ctx.value === props.value && ctx.valueNode ? createPortal(props.children, ctx.valueNode) : null;
}
function Group(props) {
  return useContext(StandIn) ? createElement(Fragment, null, props.children) : createElement(real.Group, props);
}
const nothing = (name) => {
  const Part = (props) => (useContext(StandIn) ? null : createElement(real[name], props));
  Part.displayName = `Select.${name}`;
  return Part;
};
export const Select = { Root, Trigger, Content, Item, Group, Label: nothing("Label"), Separator: nothing("Separator") };
"""
    FUNCTION = "khalaLazySelects"
    PLUGIN = _lazy_radix_plugin("Select", "LazySelects", "khala-lazy-selects", MODULE)


class PrerenderEventPage(rx.plugins.Plugin):
    """React Router prerenders the static routes only; an event page (``/events/[slug]``) was served the SPA
    fallback (an empty root), blank until the JS and the websocket had run. The event route is prerendered once
    more at ``routes.EVENT_TEMPLATE`` (a slug no event has): the shell and the event's skeleton, which
    ``khala/events/seo_http.py`` serves for every ``/events/<slug>`` with the event's head and poster. React
    hydrates it as the same route (the placeholder slug is not in the HTML: the page's state is the default one).
    """

    OLD = '"prerender": true'

    def pre_compile(self, **context: Any) -> None:
        context["add_modify_task"]("react-router.config.js", self._patch)

    @classmethod
    def _patch(cls, source: str) -> str:
        new = f'"prerender": ({{ getStaticPaths }}) => [...getStaticPaths(), "{routes.EVENT_TEMPLATE}"]'
        if new in source:
            return source
        if source.count(cls.OLD) != 1:
            raise RuntimeError("PrerenderEventPage: Reflex's react-router.config.js changed")
        return source.replace(cls.OLD, new)


class OwnDebounceInput(_VitePlugin):
    """Reflex's debounced input (``rx.input(..., debounce_timeout=...)``: the /events search, the admin's event
    form) is ``react-debounce-input``, which brings lodash's ``debounce`` and ``prop-types`` into the page's chunk
    (about 3.5 KB gzip on /events). Vite resolves that package to ``utils/khala_debounce_input.js``: the same
    component (props, defaults, lifecycle) with a ``setTimeout`` debounce of its own and no prop-type checks.
    Typing sends the value after a pause of ``debounceTimeout`` ms (each key restarts the wait), Enter and blur
    send it at once, unmounting sends a pending one; a new value from the state replaces the text unless the
    visitor is typing.
    """

    MODULE = "utils/khala_debounce_input.js"
    SOURCE = """// khala: debounce input (rxconfig.py OwnDebounceInput); react-debounce-input 3.3.0 without lodash or prop-types
import { createElement, PureComponent } from "react";

// lodash's debounce as the input uses it: trailing call with the last arguments, cancel, flush.
function debounce(fn, wait) {
  let timer = null;
  let last = null;
  const run = () => {
    timer = null;
    const args = last;
    last = null;
    fn(...args);
  };
  const debounced = (...args) => {
    last = args;
    clearTimeout(timer);
    timer = setTimeout(run, wait);
  };
  debounced.cancel = () => {
    clearTimeout(timer);
    timer = null;
    last = null;
  };
  debounced.flush = () => {
    if (timer !== null) {
      clearTimeout(timer);
      run();
    }
  };
  return debounced;
}

export class DebounceInput extends PureComponent {
  static defaultProps = {
    element: "input",
    type: "text",
    onKeyDown: undefined,
    onBlur: undefined,
    value: undefined,
    minLength: 0,
    debounceTimeout: 100,
    forceNotifyByEnter: true,
    forceNotifyOnBlur: true,
    inputRef: undefined,
  };

  constructor(props) {
    super(props);
    this.isDebouncing = false;
    this.state = { value: typeof props.value === "undefined" || props.value === null ? "" : props.value };
    this.createNotifier(props.debounceTimeout);
  }

  componentDidUpdate(prevProps) {
    if (this.isDebouncing) return;
    const { value, debounceTimeout } = this.props;
    const { value: stateValue } = this.state;
    if (typeof value !== "undefined" && prevProps.value !== value && stateValue !== value) this.setState({ value });
    if (debounceTimeout !== prevProps.debounceTimeout) this.createNotifier(debounceTimeout);
  }

  componentWillUnmount() {
    if (this.flush) this.flush();
  }

  onChange = (event) => {
    const { value: oldValue } = this.state;
    const { minLength } = this.props;
    this.setState({ value: event.target.value }, () => {
      const { value } = this.state;
      if (value.length >= minLength) {
        this.notify(event);
        return;
      }
      // below minLength by deleting: the value is cleared
      if (oldValue.length > value.length) this.notify({ ...event, target: { ...event.target, value: "" } });
    });
  };

  onKeyDown = (event) => {
    if (event.key === "Enter") this.forceNotify(event);
    const { onKeyDown } = this.props;
    if (onKeyDown) onKeyDown(event);
  };

  onBlur = (event) => {
    this.forceNotify(event);
    const { onBlur } = this.props;
    if (onBlur) onBlur(event);
  };

  createNotifier = (debounceTimeout) => {
    if (debounceTimeout < 0) {
      this.notify = () => null;
    } else if (debounceTimeout === 0) {
      this.notify = this.doNotify;
    } else {
      const debounced = debounce((event) => {
        this.isDebouncing = false;
        this.doNotify(event);
      }, debounceTimeout);
      this.notify = (event) => {
        this.isDebouncing = true;
        debounced(event);
      };
      this.flush = () => debounced.flush();
      this.cancel = () => {
        this.isDebouncing = false;
        debounced.cancel();
      };
    }
  };

  doNotify = (...args) => {
    this.props.onChange(...args);
  };

  forceNotify = (event) => {
    const { debounceTimeout } = this.props;
    if (!this.isDebouncing && debounceTimeout > 0) return;
    if (this.cancel) this.cancel();
    const { value } = this.state;
    const { minLength } = this.props;
    if (value.length >= minLength) this.doNotify(event);
    else this.doNotify({ ...event, target: { ...event.target, value } });
  };

  render() {
    const {
      element,
      onChange: _onChange,
      value: _value,
      minLength: _minLength,
      debounceTimeout: _debounceTimeout,
      forceNotifyByEnter,
      forceNotifyOnBlur,
      onKeyDown,
      onBlur,
      inputRef,
      ...props
    } = this.props;
    const keyDown = forceNotifyByEnter ? { onKeyDown: this.onKeyDown } : onKeyDown ? { onKeyDown } : {};
    const blur = forceNotifyOnBlur ? { onBlur: this.onBlur } : onBlur ? { onBlur } : {};
    const ref = inputRef ? { ref: inputRef } : {};
    return createElement(element, { ...props, onChange: this.onChange, value: this.state.value, ...keyDown, ...blur, ...ref });
  }
}

DebounceInput.DebounceInput = DebounceInput;
export default DebounceInput;
"""
    FUNCTION = "khalaOwnDebounceInput"
    PLUGIN = r"""// khala: debounce input (rxconfig.py OwnDebounceInput)
function khalaOwnDebounceInput() {
  const own = fileURLToPath(new URL("./utils/khala_debounce_input.js", import.meta.url));
  return {
    name: "khala-own-debounce-input",
    enforce: "pre",
    resolveId(id) {
      if (id === "react-debounce-input") return own;
    },
  };
}

"""


class LazyToasts(rx.plugins.Plugin):
    """Sonner (toasts) loads with the first toast, not with every page: about 11 KB gzip off the first load, and
    its ``<Toaster>`` no longer reads the document's computed direction (a forced style recalculation) while the
    page hydrates.

    Reflex's toast provider imports sonner and renders ``<Toaster>`` at once; here ``refs.__toast`` (what Reflex's
    connection banner and ``khala/ui/client_effects.js`` call) is a stand-in that imports sonner when a toast is
    first shown, mounts ``<Toaster>`` then (sonner hands a new ``<Toaster>`` the toasts made before it subscribed)
    and forwards the call. A ``dismiss`` before sonner is loaded has nothing to dismiss.
    """

    FILE = "app_components/reflex/compiler/compiler.jsx"
    MARK = "// khala: lazy toasts"
    IMPORT = 'import {Toaster,toast} from "sonner"\n'
    SHIM = (
        MARK
        + """ (rxconfig.py LazyToasts)
import {useEffect as useToasterEffect, useState as useToasterState} from "react"
let sonner = null;
let showToaster = null;
function loadSonner() {
  if (!sonner) sonner = import("sonner").then((m) => { showToaster?.(() => m.Toaster); return m; });
  return sonner;
}
const lazyToast = (...args) => { loadSonner().then((m) => m.toast(...args)); };
for (const name of ["success", "error", "info", "warning", "message", "loading", "custom", "promise"]) {
  lazyToast[name] = (...args) => { loadSonner().then((m) => m.toast[name](...args)); };
}
lazyToast.dismiss = (...args) => { sonner?.then((m) => m.toast.dismiss(...args)); };
function useLazyToaster() {
  const [Toaster, setToaster] = useToasterState(null);
  useToasterEffect(() => {
    showToaster = setToaster;
    sonner?.then((m) => setToaster(() => m.Toaster));
    return () => { showToaster = null; };
  }, []);
  return Toaster;
}
"""
    )
    PATCHES = (
        (IMPORT, SHIM),
        ("refs['__toast'] = toast\n", "refs['__toast'] = lazyToast\nconst Toaster = useLazyToaster()\n"),
        ("jsx(Toaster,{", "Toaster && jsx(Toaster,{"),
    )

    def pre_compile(self, **context: Any) -> None:
        context["add_modify_task"](self.FILE, self._patch)

    @classmethod
    def _patch(cls, source: str) -> str:
        if cls.MARK in source:
            return source
        for old, new in cls.PATCHES:
            if source.count(old) != 1:
                raise RuntimeError(f"LazyToasts: Reflex's toast provider changed; cannot find {old!r} once")
            source = source.replace(old, new)
        return source


config = rx.Config(
    app_name="khala",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    frontend_lazy_bundled_libraries=True,  # no whole Radix Themes on window.__reflex (no dynamic components)
    # Brotli sidecars beside the gzip ones: the static mount sends .br to a browser that takes it (every current
    # one; JS + CSS of a public page ~16 % smaller than gzip -9), .gz to the others.
    frontend_compression_formats=["brotli", "gzip"],
    cors_allowed_origins=settings.cors_origins,
    redis_url=settings.redis_url,
    frontend_port=settings.port,
    backend_port=settings.port,
    plugins=[
        SameOriginBackend(),
        FewerChunks(),
        PrerenderEventPage(),  # the event page's shell and skeleton in its first HTML
        LazyToasts(),  # sonner with the first toast
        LazyDialogs(),  # a dialog's code when it first opens
        LazySelects(),  # a select's code when it is first needed
        OwnDebounceInput(),  # the debounced inputs without lodash (react-debounce-input's API)
        NoIdleTooltipProvider(),  # no Floating UI on every page while no page has a tooltip
        AccountMenuModule(),  # the account menu's lazily imported module (khala/ui/account_menu.py)
        KhalaStylesheet(),  # global CSS in the bundled sheet; Radix trimmed, layered under ours (khala/ui/stylesheet.py)
        RadixThemes(
            theme=rx.theme(appearance="light", accent_color="pink", gray_color="mauve", radius="large")
        ),
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
