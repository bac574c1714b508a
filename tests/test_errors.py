"""The by-field view forms show: field name → message, and "form" for what belongs to no field."""

from __future__ import annotations

from khala.errors import FORM, Conflict, DomainError, InvalidInput, NotFound, SoldOut


def test_invalid_input_by_field_names_the_whole_form_entry_form() -> None:
    exc = InvalidInput({"email": "Enter your e-mail address.", "__all__": "Something else is wrong."})
    assert exc.by_field() == {"email": "Enter your e-mail address.", "form": "Something else is wrong."}
    assert InvalidInput("Wrong e-mail address or password.").by_field() == {
        FORM: "Wrong e-mail address or password."
    }
    assert exc.errors["__all__"] == "Something else is wrong."  # the errors themselves are untouched


def test_other_domain_errors_go_under_form_or_their_field() -> None:
    assert NotFound("We could not find that event.").by_field() == {"form": "We could not find that event."}
    assert SoldOut("Sold out.").by_field() == {"form": "Sold out."}
    assert Conflict("Taken.", field="slug").by_field() == {"slug": "Taken."}
    assert DomainError("Nope.").by_field() == {"form": "Nope."}
