"""Reads for global search (mehvar.search): conversations whose subject or any message
matches, and the matching messages, newest first. Matching is core.fulltext's: every query
term starts a word of the normalised subject (`subject_key`) or text (`search_text`).

Newest first is by id (ids follow creation). How the newest matches are found, measured on
1,000,000 messages (docs/performance.md): a common word is found fastest by walking the id
index from the top and checking each row; a rare word by the full-text index, sorting its few
matches. A database planner cannot tell the two apart for prefix queries, so each search
first walks a bounded window of the newest ids (WINDOW), and only when that window holds too
few matches asks the full-text index about the older rows, with an ORDER BY the id index
cannot serve (`id + 0`), so that the planner uses the full-text index for them.

Query budget: message_search 2 or 3 (top id; the window; the older rows when needed);
conversation_search 4 to 6 (top id; subject window [+ older]; message window [+ older]; the
page's rows with their customers); conversation_search_count 3 to 5 and
message_search_count 2 or 3, in the same way (each bounded by `cap`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import F, Func, IntegerField, QuerySet
from django.utils.translation import gettext_lazy as _

from mehvar.conversations.models import Conversation, Message
from mehvar.core.errors import Invalid
from mehvar.core.fulltext import FullTextMatch
from mehvar.core.pagination import MAX_PAGE_SIZE, Page
from mehvar.core.permissions import Actor, require

CONVERSATION_FIELDS = ("id", "subject", "status", "channel", "language", "created_at",
                       "last_message_at", "customer__id", "customer__name")
MESSAGE_FIELDS = ("id", "text", "author_kind", "is_internal", "language", "created_at",
                  "conversation__id", "conversation__subject")
# matching(use_index) -> the rows that match (core.fulltext.FullTextMatch's use_index)
Matching = Callable[[bool], QuerySet[Any]]
MESSAGE_WINDOW = 20_000       # newest message ids checked row by row
CONVERSATION_WINDOW = 2_000   # newest conversations: subjects, and their messages (about 10x)


def _subject_matches(terms: Sequence[str], *, use_index: bool = True) -> FullTextMatch:
    return FullTextMatch("subject_key", fts_table="conversations_conversation_fts", terms=terms,
                         use_index=use_index)


def _text_matches(terms: Sequence[str], *, use_index: bool = True) -> FullTextMatch:
    return FullTextMatch("search_text", fts_table="conversations_message_fts", terms=terms,
                         use_index=use_index)


def _subjects(terms: Sequence[str]) -> Matching:
    return lambda use_index: Conversation.objects.filter(
        _subject_matches(terms, use_index=use_index))


def _texts(terms: Sequence[str]) -> Matching:
    return lambda use_index: Message.objects.filter(_text_matches(terms, use_index=use_index))


def _newest_keys(
    matching: Matching, key: str, *, below: int, window: int, count: int
) -> list[int]:
    """Up to `count` distinct values of the integer column `key` (an id, indexed) among the
    matching rows with key < `below`, largest first: the window [below - window, below) row
    by row, then, if that is not enough, the older rows through the full-text index."""
    floor = below - window
    near = (matching(False).filter(**{f"{key}__lt": below, f"{key}__gte": floor})
            .values_list(key, flat=True).distinct().order_by(f"-{key}"))
    found: list[int] = list(near[:count])
    if len(found) < count and floor > 0:
        far = (matching(True).filter(**{f"{key}__lt": floor}).annotate(search_order=_unindexed(key))
               .values_list(key, flat=True).distinct().order_by("-search_order"))
        found += list(far[: count - len(found)])
    return found


def _unindexed(key: str) -> Func:
    """`key + 0`: the same order, but the planner cannot walk the key's own index for it and
    uses the full-text index. The 0 is literal SQL, not a parameter: with server-side binding
    a parameter in both the select list and ORDER BY of a DISTINCT is two different values
    to PostgreSQL."""
    return Func(F(key), template="(%(expressions)s + 0)", output_field=IntegerField())


def _top_id(model: type[Conversation] | type[Message], cursor: str | None) -> int:
    """The exclusive upper bound of the page: the cursor's id, or one above the newest."""
    if cursor:
        return _id_cursor(cursor)
    newest = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (newest or 0) + 1


def conversation_search(
    *, actor: Actor, terms: Sequence[str], cursor: str | None = None, limit: int = 25
) -> Page[Conversation]:
    """Conversations whose subject or any message (internal notes included) has every term
    as a word prefix, newest first, with their customer. The cursor is the last id shown."""
    require(actor, "conversation.view")
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    below = _top_id(Conversation, cursor)
    by_subject = _newest_keys(_subjects(terms), "pk",
                              below=below, window=CONVERSATION_WINDOW, count=limit + 1)
    by_message = _newest_keys(_texts(terms), "conversation_id",
                              below=below, window=CONVERSATION_WINDOW, count=limit + 1)
    ids = sorted(set(by_subject) | set(by_message), reverse=True)
    has_more = len(ids) > limit
    ids = ids[:limit]
    rows = (Conversation.objects.select_related("customer").only(*CONVERSATION_FIELDS)
            .filter(pk__in=ids).order_by("-pk")) if ids else Conversation.objects.none()
    return Page(items=list(rows), next_cursor=str(ids[-1]) if has_more else None)


def conversation_search_count(*, actor: Actor, terms: Sequence[str], cap: int = 100) -> int:
    """How many conversations conversation_search finds, counting at most `cap`: the union
    of at most `cap` subject matches and `cap` conversations with a matching message, each
    found newest first as the page is (a plain COUNT read every match of a common word from
    the full-text index: 30-100 ms on 1,000,000 messages)."""
    require(actor, "conversation.view")
    below = _top_id(Conversation, None)
    by_subject = _newest_keys(_subjects(terms), "pk",
                              below=below, window=CONVERSATION_WINDOW, count=cap)
    by_message = _newest_keys(_texts(terms), "conversation_id",
                              below=below, window=CONVERSATION_WINDOW, count=cap)
    return min(cap, len(set(by_subject) | set(by_message)))


def message_search(
    *, actor: Actor, terms: Sequence[str], cursor: str | None = None, limit: int = 25
) -> Page[Message]:
    """Messages (internal notes included) whose text has every term as a word prefix, newest
    first, each with its conversation's id and subject. The cursor is the last id shown."""
    require(actor, "conversation.view")
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    ids = _newest_keys(_texts(terms), "pk", below=_top_id(Message, cursor), window=MESSAGE_WINDOW,
                       count=limit + 1)
    has_more = len(ids) > limit
    ids = ids[:limit]
    rows = (Message.objects.select_related("conversation").only(*MESSAGE_FIELDS)
            .filter(pk__in=ids).order_by("-pk")) if ids else Message.objects.none()
    return Page(items=list(rows), next_cursor=str(ids[-1]) if has_more else None)


def message_search_count(*, actor: Actor, terms: Sequence[str], cap: int = 100) -> int:
    """How many messages message_search finds, counting at most `cap` (found as the page is,
    for the reason given in conversation_search_count)."""
    require(actor, "conversation.view")
    return len(_newest_keys(_texts(terms), "pk",
                            below=_top_id(Message, None), window=MESSAGE_WINDOW, count=cap))


def _id_cursor(cursor: str) -> int:
    if not cursor.isascii() or not cursor.isdigit() or len(cursor) > 18:
        raise Invalid("invalid_cursor", _("The cursor is not valid."), field="cursor")
    return int(cursor)
