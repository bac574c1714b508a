"""The embed page: the organiser's snippets follow the chosen filters, and the preview shows the same widget."""

from __future__ import annotations

from khala.admin.state.embed import AdminEmbedState
from khala.settings import get_settings
from tests.admin.test_admin_audit import _state
from tests.handlers import run


def test_snippets_and_preview_follow_the_filters(person, make_event) -> None:
    make_event("Jazz night", category="music")
    _, token = person(admin=True)
    state = _state(token, AdminEmbedState, "/admin/embed")
    run(state.load())
    base = get_settings().public_url
    assert ["music", "Music"] in state.categories
    assert state.script_snippet == f'<script src="{base}/embed.js" data-limit="5" async></script>'
    assert f'src="{base}/embed?limit=5"' in state.iframe_snippet and state.preview_src == "/embed?limit=5"
    run(state.set_category("music"))
    run(state.set_limit("10"))
    assert 'data-category="music"' in state.script_snippet and 'data-limit="10"' in state.script_snippet
    assert state.preview_src == "/embed?category=music&limit=10"
    run(state.set_category("<script>"))  # not a category: back to all
    run(state.set_limit("lots"))
    assert state.category == "all" and state.limit == 5 and state.preview_src == "/embed?limit=5"
