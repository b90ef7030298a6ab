"""Satisfaction tests rate real conversations: the e-mail channel's real SMTP server and
mailbox, and the feedback tests' CSAT survey."""

from tests.channels.test_email_flow import mailbox, smtp, unused_tcp_port  # noqa: F401
from tests.feedback.test_surveys import csat  # noqa: F401
