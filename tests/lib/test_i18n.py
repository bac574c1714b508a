"""Languages: the catalogs are complete and current, plurals follow each language's rule, and the visitor's
language is chosen from the cookie, the account and Accept-Language, in that order."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from khala.lib import i18n

ROOT = Path(__file__).resolve().parents[2]
SV_PO = ROOT / "khala" / "locale" / "sv" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _catalog(path: Path):
    with path.open("rb") as f:
        return read_po(f, locale="sv")


def _extract(tmp_path: Path) -> set[tuple[str | None, str]]:
    """What `make messages` would extract from the source right now (msgctxt, msgid)."""
    pot = tmp_path / "messages.pot"
    keywords = [
        "_",
        "N_",
        "t",
        "gettext",
        "ngettext:1,2",
        "tn:1,2",
        "pgettext:1c,2",
        "tp:1c,2",
        "npgettext:1c,2,3",
    ]
    pybabel = Path(sys.executable).with_name("pybabel")
    args = [str(pybabel), "-q", "extract", "-F", "babel.cfg", "-o", str(pot)]
    for k in keywords:
        args += ["-k", k]
    subprocess.run([*args, "."], cwd=ROOT, check=True, capture_output=True, timeout=120)
    with pot.open("rb") as f:
        return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(f) if m.id}


def test_every_string_in_the_source_has_a_swedish_translation(tmp_path) -> None:
    catalog = _catalog(SV_PO)
    translated = {
        (m.context, m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string) and not m.fuzzy
    }
    untranslated = sorted(_extract(tmp_path) - translated, key=str)
    assert not untranslated, (
        "untranslated (run `make messages` and translate khala/locale/sv):\n"
        + "\n".join(map(repr, untranslated))
    )


def test_no_fuzzy_entries_and_placeholders_match() -> None:
    for m in _catalog(SV_PO):
        if not m.id:
            continue
        assert not m.fuzzy, m.id
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = set(PLACEHOLDER.findall(ids[0]))
        for s in strings:
            assert set(PLACEHOLDER.findall(s)) == wanted, (m.id, s)


def test_plural_forms() -> None:
    with i18n.use_language("sv"):
        one = i18n.ngettext("%(num)d seat left", "%(num)d seats left", 1) % {"num": 1}
        three = i18n.ngettext("%(num)d seat left", "%(num)d seats left", 3) % {"num": 3}
        assert (one, three) == ("1 plats kvar", "3 platser kvar")
    with i18n.use_language("en"):
        assert i18n.ngettext("%(num)d seat left", "%(num)d seats left", 1) % {"num": 1} == "1 seat left"
        assert i18n.ngettext("%(num)d seat left", "%(num)d seats left", 0) % {"num": 0} == "0 seats left"


def test_gettext_follows_the_current_language_and_context() -> None:
    assert i18n.get_language() == "en"
    with i18n.use_language("sv") as lang:
        assert lang == "sv" and i18n.gettext("Sign in") == "Logga in"
        assert i18n.pgettext("dialog", "Cancel") == "Avbryt" and i18n.gettext("Cancel") == "Avboka"
        with i18n.use_language("de"):  # a language we do not have: English
            assert i18n.gettext("Sign in") == "Sign in"
        assert (
            i18n.gettext("An organiser's own words stay as they are")
            == "An organiser's own words stay as they are"
        )
    assert i18n.gettext("Sign in") == "Sign in"


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("sv-SE,sv;q=0.9,en-US;q=0.8,en;q=0.7", "sv"),
        ("en-GB,en;q=0.9,sv;q=0.8", "en"),
        ("de-DE,de;q=0.9,sv;q=0.5", "sv"),  # the best language we have
        ("en;q=0.3, sv;q=0.6", "sv"),  # q-values, not order
        ("fr, de", "en"),  # none of ours: the default
        ("", "en"),
        ("sv;q=0", "en"),  # q=0 means "not this"
        ("nonsense;;;q=x, SV", "sv"),
    ],
)
def test_accept_language(header: str, lang: str) -> None:
    assert i18n.negotiate(header) == lang


def test_choice_order_cookie_then_account_then_browser() -> None:
    assert i18n.choose(cookie="en", account="sv", accept_language="sv") == "en"
    assert i18n.choose(cookie=None, account="sv", accept_language="en") == "sv"
    assert i18n.choose(cookie="xx", account=None, accept_language="sv-FI") == "sv"
    assert i18n.cookie_value("a=1; khala_lang=sv; b=2") == "sv"
    assert i18n.cookie_value("khala_lang=klingon") is None and i18n.cookie_value(None) is None


def test_a_catalog_without_its_mo_is_compiled_from_the_po(tmp_path, monkeypatch) -> None:
    """A fresh clone (the .mo files are not committed) speaks Swedish before `make compile-messages`."""
    folder = tmp_path / "sv" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(SV_PO, folder / "messages.po")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.reload()
    try:
        assert not (folder / "messages.mo").exists()
        assert i18n.gettext_in("sv", "Sign in") == "Logga in"
    finally:
        monkeypatch.undo()
        i18n.reload()


def test_the_asgi_middleware_sets_the_language_per_request() -> None:
    asyncio.run(_asgi_requests())


async def _asgi_requests() -> None:
    seen: list[str] = []

    async def app(scope, receive, send) -> None:
        seen.append(i18n.get_language())

    wrapped = i18n.asgi_middleware(app)
    await wrapped({"type": "http", "headers": [(b"accept-language", b"sv-SE,sv;q=0.9")]}, None, None)
    await wrapped(
        {"type": "http", "headers": [(b"cookie", b"khala_lang=en"), (b"accept-language", b"sv")]}, None, None
    )
    await wrapped({"type": "http", "headers": []}, None, None)
    assert seen == ["sv", "en", "en"]
    assert i18n.get_language() == "en"  # nothing leaks out of the request
