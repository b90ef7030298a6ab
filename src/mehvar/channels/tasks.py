"""Background tasks of the channels context (run by `mehvar worker`)."""

from __future__ import annotations

from mehvar.channels.email.imap import mailboxes_poll
from mehvar.channels.services.envelopes import envelope_process, envelopes_sweep
from mehvar.channels.services.outbound import outbound_send, outbound_sweep
from mehvar.core.background import task


@task()
def envelope_process_task(envelope_id: int) -> str:
    envelope = envelope_process(envelope_id=envelope_id)
    return envelope.status if envelope is not None else "skipped"


@task()
def outbound_send_task(outbound_id: int) -> str:
    outbound = outbound_send(outbound_id=outbound_id)
    return outbound.status if outbound is not None else "skipped"


@task()
def channels_sweep_task() -> dict[str, int]:
    """Periodic: due retries of inbound envelopes and outbound deliveries."""
    return {"envelopes": envelopes_sweep(), "deliveries": outbound_sweep()}


@task()
def mail_poll_task() -> int:
    """Periodic: read new mail from every IMAP mailbox (how many new mails were stored)."""
    return mailboxes_poll()
