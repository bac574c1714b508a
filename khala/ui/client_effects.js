// What a backend handler asks of the browser — a toast, the event modal's history entry, a focus move, the
// address bar, a same-origin form POST — run by code compiled into the bundle, never through eval(): the
// Content-Security-Policy has no 'unsafe-eval'. khala/ui/client.py sends a list of commands with Reflex's
// built-in `_set_value` event to this component's ref; setting `value` runs them in order. A command is
// {kind, ...arguments}; an unknown kind is ignored (logged), so nothing the server sends can run other code.
import { useImperativeHandle } from "react";
import { refs } from "$/utils/state"; // refs.__toast: sonner, loaded with the first toast (rxconfig.py LazyToasts)

const w = typeof window !== "undefined" ? window : undefined;
const modal = { popListening: false, open: false, back: null, title: null, scroll: null };

function later(ms, fn) {
  setTimeout(fn, ms);
}

function focusSelector(selectors, preventScroll) {
  for (const selector of selectors) {
    const el = document.querySelector(selector);
    if (el) {
      el.focus({ preventScroll: !!preventScroll });
      return;
    }
  }
}

function listenToPop() {
  if (modal.popListening) return;
  modal.popListening = true;
  w.addEventListener("popstate", (e) => {
    if (e.state && e.state.khalaModal) return;
    if (modal.title) {
      document.title = modal.title;
      modal.title = null;
    }
    if (modal.scroll != null) {
      const y = modal.scroll;
      modal.scroll = null;
      // The router restores its own (stale) scroll position on this POP: put ours back over it for 0.6 s.
      const put = () => w.scrollTo(0, y);
      requestAnimationFrame(put);
      [60, 150, 300, 600].forEach((t) => later(t, put));
    }
    if (modal.open) {
      modal.open = false;
      document.getElementById("khala-modal-back")?.click(); // tells the server: closed by history
    }
  });
}

function postForm(action, fields, forgetTab) {
  if (forgetTab) w.sessionStorage.removeItem("token");
  const f = document.createElement("form");
  f.method = "POST";
  f.action = action;
  for (const [k, v] of Object.entries(fields || {})) {
    const i = document.createElement("input");
    i.type = "hidden";
    i.name = k;
    i.value = v;
    f.appendChild(i);
  }
  document.body.appendChild(f);
  f.submit();
}

const COMMANDS = {
  toast: (c) => (refs.__toast[c.level] || refs.__toast)(c.message, c.options || {}),
  // The event modal's history entry: opening pushes /events/<slug> keeping the router's own history state
  // (so the router sees no navigation); closing goes back one entry; the browser's Back pops it.
  modal_push: (c) => {
    listenToPop();
    (modal.back || Promise.resolve()).then(() => {
      modal.back = null;
      modal.scroll = w.scrollY;
      const s = w.history.state || {};
      w.history.pushState(Object.assign({}, s, { khalaModal: true }), "", c.url);
      modal.open = true;
    });
  },
  modal_back: () => {
    modal.open = false;
    if (w.history.state && w.history.state.khalaModal) {
      // A quick re-open waits until this Back has landed.
      modal.back = new Promise((resolve) => {
        w.addEventListener("popstate", () => later(30, resolve), { once: true });
        later(1000, resolve);
      });
      w.history.back();
    }
  },
  // The tab's title names the open event; the popstate listener puts the list's title back.
  modal_title: (c) => {
    modal.title = modal.title || document.title;
    document.title = c.title;
  },
  focus: (c) => later(c.delay || 0, () => focusSelector(c.selectors, c.prevent_scroll)),
  scroll_into_view: (c) => document.getElementById(c.id)?.scrollIntoView({ block: c.block || "start" }),
  replace_url: (c) => w.history.replaceState(w.history.state, "", c.url),
  html_lang: (c) => {
    // Only a change: writing the same lang again still restyles the whole document (measured ~600 elements
    // re-styled, one of the longest tasks after the first paint), and every page load sends it.
    if (document.documentElement.lang !== c.lang) document.documentElement.lang = c.lang;
  },
  post: (c) => postForm(c.action, c.fields, c.forget_tab),
};

export function run(commands) {
  for (const c of Array.isArray(commands) ? commands : [commands]) {
    const fn = c && COMMANDS[c.kind];
    if (!fn) {
      console.warn("khala: unknown client command", c);
      continue;
    }
    try {
      fn(c);
    } catch (e) {
      console.error("khala: client command failed", c, e);
    }
  }
}

// React 19: `ref` is a plain prop. Reflex registers this ref as refs["ref_khala_client"].
export function ClientEffects({ ref }) {
  useImperativeHandle(
    ref,
    () => ({
      get value() {
        return "";
      },
      set value(commands) {
        run(commands);
      },
    }),
    [],
  );
  return null;
}
