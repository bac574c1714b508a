"""The upload form builds (Reflex validates props, event triggers and icon names at construction)."""

from __future__ import annotations

from khala.admin.components.images import image_upload_form


def test_upload_form_builds() -> None:
    rendered = str(image_upload_form().render())
    assert "image-upload" in rendered
    assert "image-alt-text" in rendered
