"""Mail fixtures (defined in mail_helpers, so tests can import the helpers by a unique name)."""

from mail_helpers import enqueue_many, smtp_sink, stopped_sink

__all__ = ["enqueue_many", "smtp_sink", "stopped_sink"]
