"""The feedback tests send invitations through the real e-mail channel: a real SMTP server
(aiosmtpd) and a mailbox, as the channels tests use them."""

from tests.channels.test_email_flow import mailbox, smtp, unused_tcp_port  # noqa: F401
