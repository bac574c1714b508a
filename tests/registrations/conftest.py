from tests.mail.mail_helpers import smtp_sink

__all__ = ["smtp_sink"]
