from tests.events.seo_helpers import image_store, site

__all__ = ["image_store", "site"]
