"""The interactive docs are served from this site: a self-hosted box may have no way out to a CDN."""

from __future__ import annotations

import re


def test_docs_page_loads_swagger_ui_from_this_site(client) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert not re.search(r"https?://", page.text.split("<body>", 1)[-1].replace("http://testserver", ""))
    csp = page.headers["content-security-policy"]
    assert "cdn" not in csp and "script-src 'self' 'sha256-" in csp
    for asset in re.findall(r'(?:src|href)="(/api/v1/docs/static/[^"]+)"', page.text):
        answer = client.get("http://testserver" + asset)
        assert answer.status_code == 200 and len(answer.content) > 10_000, asset
    assert "/api/v1/docs/static/swagger-ui-bundle.js" in page.text
