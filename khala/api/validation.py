"""Request validation messages in the request's language.

FastAPI's 422 carries pydantic's own English ("Field required", "Input should be a valid integer, …"). In
English those are kept word for word; in another language the common kinds of error are said in our words
(the msgids below mirror pydantic's English), with the numbers and patterns from the error's context. A kind
we do not know keeps pydantic's English rather than saying nothing. Our own ``ValueError`` messages (e.g. the
ISO 8601 rule in ``khala/api/schemas.py``) are translated where they are raised.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from khala.lib import i18n
from khala.lib.i18n import N_, ngettext
from khala.lib.i18n import gettext as _

# error type -> msgid (placeholders filled from the error's ``ctx``)
_PLAIN: dict[str, str] = {
    "missing": N_("Field required"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_type": N_("Input should be a valid integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "float_type": N_("Input should be a valid number"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "bool_type": N_("Input should be a valid boolean"),
    "string_type": N_("Input should be a valid string"),
    "string_pattern_mismatch": N_("String should match pattern '%(pattern)s'"),
    "greater_than": N_("Input should be greater than %(gt)s"),
    "greater_than_equal": N_("Input should be greater than or equal to %(ge)s"),
    "less_than": N_("Input should be less than %(lt)s"),
    "less_than_equal": N_("Input should be less than or equal to %(le)s"),
    "uuid_parsing": N_("Input should be a valid UUID"),
    "uuid_type": N_("Input should be a valid UUID"),
    "datetime_parsing": N_("Input should be a valid date and time (ISO 8601)"),
    "datetime_from_date_parsing": N_("Input should be a valid date and time (ISO 8601)"),
    "datetime_type": N_("Input should be a valid date and time (ISO 8601)"),
    "timezone_aware": N_("Input should have a time zone"),
    "date_parsing": N_("Input should be a valid date (ISO 8601)"),
    "date_from_datetime_parsing": N_("Input should be a valid date (ISO 8601)"),
    "date_type": N_("Input should be a valid date (ISO 8601)"),
    "dict_type": N_("Input should be an object"),
    "model_type": N_("Input should be an object"),
    "model_attributes_type": N_("Input should be an object"),
    "list_type": N_("Input should be a list"),
}


def _too_short(ctx: Mapping[str, Any]) -> str:
    n = int(ctx.get("min_length", 0))
    return ngettext(
        "String should have at least %(num)d character", "String should have at least %(num)d characters", n
    ) % {"num": n}


def _too_long(ctx: Mapping[str, Any]) -> str:
    n = int(ctx.get("max_length", 0))
    return ngettext(
        "String should have at most %(num)d character", "String should have at most %(num)d characters", n
    ) % {"num": n}


def _one_of(ctx: Mapping[str, Any]) -> str:
    # pydantic lists the choices as "'a', 'b' or 'c'": the English "or" becomes a comma.
    choices = str(ctx.get("expected", "")).replace("' or '", "', '")
    return _("Input should be one of: %(expected)s") % {"expected": choices}


def _value_error(ctx: Mapping[str, Any]) -> str:
    return str(ctx.get("error", "")) or _("Invalid value.")


_WITH_CONTEXT: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "string_too_short": _too_short,
    "string_too_long": _too_long,
    "literal_error": _one_of,
    "enum": _one_of,
    "value_error": _value_error,
}


def message(error: Mapping[str, Any]) -> str:
    """One pydantic error's message in the current language (English: pydantic's own words)."""
    english = str(error.get("msg") or "Invalid value.")
    if i18n.get_language() == "en":
        return english
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in _WITH_CONTEXT:
        return _WITH_CONTEXT[kind](ctx)
    if kind in _PLAIN:
        try:
            return _(_PLAIN[kind]) % {k: str(v) for k, v in ctx.items()}
        except (KeyError, TypeError, ValueError):
            return english
    return english
