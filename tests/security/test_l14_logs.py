"""L14: passwords (and login codes, mailed tokens, session cookies) never reach a log line.

Before: Reflex's ``on_event`` logged whole events at WARNING on some paths ("Event data: {...}"), a sign-in
form's password included, and deserialization errors carried them in their tracebacks.
"""

from __future__ import annotations

import logging

from khala.accounts import logredact

EVENT = {
    "name": "reflex___state____state.khala___accounts___state____login_state.submit",
    "payload": {"form_data": {"email": "ada@example.com", "password": "my very secret passphrase"}},
}


def test_reflex_event_logging_is_redacted(caplog) -> None:
    logredact.install()
    log = logging.getLogger("reflex.app")
    with caplog.at_level(logging.INFO):
        log.warning(f"Received event from session s1 with no associated token. Event data: {EVENT}")
        log.warning(
            "Received event data as a string. Event data: %s", '{"password": "my very secret passphrase"}'
        )
        try:
            raise ValueError(f"Failed to deserialize event data: {EVENT}.")
        except ValueError:
            log.exception("event failed")
        logging.getLogger("khala.ops").info("POST /auth/complete code=Zm9vYmFy cookie khala_session=abc")
    text = caplog.text + "".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "my very secret passphrase" not in text
    assert "Zm9vYmFy" not in text and "khala_session=abc" not in text
    assert "ada@example.com" in text and "[redacted]" in text  # the rest of the line is kept
