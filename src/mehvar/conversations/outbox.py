"""Where a public agent message goes next: the channels context registers its delivery here.

The conversations context stands below channels and cannot import it, yet every public reply
(API, web page, anything later) must be queued for delivery in the same transaction that
stores it, so nothing is written without its delivery row. Hooks run inside that transaction;
they must only write rows and schedule work with `transaction.on_commit`."""

from __future__ import annotations

from collections.abc import Callable

from mehvar.conversations.models import Conversation, Message

PublicMessageHook = Callable[[Conversation, Message], None]
_hooks: list[PublicMessageHook] = []


def register_public_message_hook(hook: PublicMessageHook) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def public_message_added(conversation: Conversation, message: Message) -> None:
    for hook in _hooks:
        hook(conversation, message)
