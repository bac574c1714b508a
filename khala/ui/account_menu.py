"""The signed-in visitor's account menu, whose code is loaded only where it is shown.

Radix's dropdown menu brings its scroll area, popper (Floating UI), roving focus and collection along: about
20 KB gzip that every page carried for every visitor, although the menu exists only once someone has signed in.
``AccountMenu`` is a ``NoSSRComponent`` around a small module of our own (``ACCOUNT_MENU_JS``, written into
``.web/components/khala`` by the ``AccountMenuModule`` plugin of ``rxconfig.py``): the page imports it with
``import()`` when the menu is first rendered, so a signed-out visit never downloads it. The menu is still Radix
Themes' ``DropdownMenu`` (same look, keyboard and screen-reader behaviour); its items navigate in the app
(React Router) and "Sign out" calls the handler given in Python. The Radix CSS trimmer (``ui/stylesheet.py``)
reads the module's ``import {DropdownMenu} from "@radix-ui/themes"``, so the menu's styles stay in the sheet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import reflex as rx

MODULE = Path("components") / "khala" / "account_menu.js"  # inside .web, where the Radix trimmer looks
LIBRARY = "$/" + MODULE.as_posix()

ACCOUNT_MENU_JS = """// khala/ui/account_menu.py (AccountMenu): imported lazily, only where the menu is rendered.
import { createElement as h } from "react";
import { useNavigate } from "react-router";
import { DropdownMenu } from "@radix-ui/themes";

export function AccountMenu({ children, items, signOutLabel, onSignOut }) {
  const navigate = useNavigate();
  const entries = (items || []).map((item) =>
    h(DropdownMenu.Item, { key: item.href, onSelect: () => navigate(item.href) }, item.label),
  );
  return h(
    DropdownMenu.Root,
    null,
    h(DropdownMenu.Trigger, null, children),
    h(
      DropdownMenu.Content,
      { align: "end" },
      ...entries,
      h(DropdownMenu.Separator, null),
      h(DropdownMenu.Item, { onSelect: () => onSignOut && onSignOut() }, signOutLabel),
    ),
  );
}
"""


class AccountMenuModule(rx.plugins.Plugin):
    """Writes ``ACCOUNT_MENU_JS`` into the frontend sources at every compile."""

    def get_static_assets(self, **context: Any) -> list[tuple[Path, str]]:
        return [(MODULE, ACCOUNT_MENU_JS)]


class AccountMenu(rx.NoSSRComponent):
    """``AccountMenu.create(trigger, items=[{"label", "href"}, …], sign_out_label=…, on_sign_out=…)``."""

    library = LIBRARY
    tag = "AccountMenu"

    items: rx.Var[list[dict[str, str]]]
    sign_out_label: rx.Var[str]
    on_sign_out: rx.EventHandler[rx.event.no_args_event_spec]


account_menu = AccountMenu.create
