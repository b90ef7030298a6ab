"""What a customer newly wrote, apart from what their mail client appended below it: the quoted
history of the thread and the signature.

`split_quoted(text)` cuts at the earliest of these (in English, Arabic, Persian and Greek, and
the common Latin-script languages):

- an attribution line, "On <date>, <name> wrote:" ("في ... كتب ...:", "در تاریخ ... نوشت:",
  "Στις ... έγραψε:"), also when the client wrapped it over two or three lines;
- Outlook's "-----Original Message-----", or its header block "From: … Sent: … To: …" (also
  "من:", "از:", "Από:" with their labels), with the "____" rule above it;
- the `>`-quoted block that ends the message, with the attribution line just above it;
- the "-- " signature delimiter, and a mobile signature ("Sent from my iPhone") that nothing
  but quoted history follows.

Text below a forward banner ("---------- Forwarded message ---------") is never cut: in a
forward, what looks like history is the content. The cut never leaves nothing: if it would,
the whole text stays and the quoted part is empty. Lines are moved, never changed, so the two
parts together hold every line of the input."""

from __future__ import annotations

import re

_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_WROTE = (
    r"(?:on\s.{3,300}\swrote"  # English (Gmail, Apple Mail, Thunderbird, Outlook for Mac)
    r"|(?:في|بتاريخ)\s.{3,300}(?:كتب|كتابة).{0,300}"  # Arabic
    r"|در\s+تاریخ\s.{3,300}نوشت"  # Persian
    r"|στις\s.{3,300}έγραψε"  # Greek
    r"|le\s.{3,300}a\s+écrit|am\s.{3,300}schrieb.{0,200}|el\s.{3,300}escribió)"
)
_ATTRIBUTION = re.compile(_WROTE + r"\s*:$", re.IGNORECASE | re.DOTALL)
_OPENER = re.compile(r"(?:on|في|بتاريخ|در|στις|le|am|el)\s", re.IGNORECASE)
# An attribution-like line just above a trailing `>` block ("John wrote:", "X <x@y> نوشت:").
_LOOSE_ATTRIBUTION = re.compile(
    r".{0,300}(?:wrote|writes|écrit|schrieb|escribió|كتب|نوشت|έγραψε|[@\d۰-۹٠-٩]).{0,200}:$",
    re.IGNORECASE,
)
_ORIGINAL = re.compile(
    r"-{2,}\s*(?:original message|message d'origine|ursprüngliche nachricht|mensaje original"
    r"|الرسالة الأصلية|پیام اصلی|پیغام اصلی|αρχικό μήνυμα)\s*-{2,}",
    re.IGNORECASE,
)
_RULE = re.compile(r"_{20,}|-{20,}")
_FROM_LABEL = re.compile(r"\*?(?:from|de|von|من|از|από|от)\*?\s*:", re.IGNORECASE)
_SENT_LABEL = re.compile(
    r"\*?(?:sent|date|envoyé|gesendet|enviado|fecha|تاريخ الإرسال|أُ?رسلت|تم الإرسال|التاريخ"
    r"|ارسال شده|ارسال‌شده|تاریخ|αποστολή|στάλθηκε|ημερομηνία|отправлено|дата)\*?\s*:",
    re.IGNORECASE,
)
_OTHER_LABEL = re.compile(
    r"\*?(?:to|cc|subject|à|objet|an|betreff|para|asunto|إلى|الى|نسخة|الموضوع|به|رونوشت"
    r"|موضوع|προς|κοιν|θέμα|кому|тема)\*?\s*:",
    re.IGNORECASE,
)
_FORWARD = re.compile(
    r"(?:-{3,}.{0,20}(?:forward|توجيه|هدایت|بازارسال|προωθ|transf|weitergeleitet|reenviado"
    r"|inoltrato).{0,40}-{3,}|begin forwarded message:|début du message réexpédié\s*:)",
    re.IGNORECASE,
)
_REPLY_ABOVE = re.compile(r"[#>-]*\s*(?:please )?reply above this line.*", re.IGNORECASE)
_MOBILE = re.compile(
    r"(?:sent from (?:my )?\S.{0,40}|sent with \S.{0,40}|get outlook for \S.{0,20}"
    r"|envoyé de mon \S.{0,30}|enviado desde mi \S.{0,30}|von meinem \S.{0,30} gesendet"
    r"|(?:أُ?رسلت|أُرسِلت|تم الإرسال|مرسلة?|ارسلت) من .{1,40}"
    r"|(?:ارسال|فرستاده)[\s\u200c]?شده (?:از|با) .{1,40}"
    r"|(?:στάλθηκε|εστάλη|αποστολή) από .{1,40})",
    re.IGNORECASE,
)
_SHORT_SIGNATURE_LINES = 10  # "--" without its space only starts a signature this short
_HEADER_BLOCK_LINES = 6


def split_quoted(text: str) -> tuple[str, str]:
    """(new text, quoted history and signature); see the module docstring."""
    lines = text.split("\n")
    plain = [_BIDI.sub("", line).strip() for line in lines]
    end = next((index for index, line in enumerate(plain) if _FORWARD.fullmatch(line)),
               len(lines))
    cuts = [cut for cut in (_first_marker(plain, end), _trailing_quote(plain, end))
            if cut is not None]
    cuts.extend(_signature_cuts(lines, plain, end, cuts))
    for cut in sorted(set(cuts)):
        head = "\n".join(lines[:cut]).strip()
        if head:
            return head, "\n".join(lines[cut:]).strip()
    return text.strip(), ""


def _first_marker(plain: list[str], end: int) -> int | None:
    """The first line of an attribution, an "Original Message" banner or a header block."""
    for index in range(end):
        line = plain[index]
        if not line:
            continue
        if (_ORIGINAL.fullmatch(line) or _REPLY_ABOVE.fullmatch(line)
                or (_OPENER.match(line) and _is_attribution(plain, index, end))):
            return index
        if _FROM_LABEL.match(line) and _is_header_block(plain, index, end):
            above = _previous_non_blank(plain, index)
            return above if above is not None and _RULE.fullmatch(plain[above]) else index
    return None


def _is_attribution(plain: list[str], index: int, end: int) -> bool:
    window = plain[index]
    for following in range(index + 1, min(index + 3, end) + 1):
        if _ATTRIBUTION.fullmatch(window):
            return True
        if following < end:
            window = f"{window} {plain[following]}"
    return False


def _is_header_block(plain: list[str], index: int, end: int) -> bool:
    sent = others = 0
    for line in plain[index + 1:min(index + 1 + _HEADER_BLOCK_LINES, end)]:
        if _SENT_LABEL.match(line):
            sent += 1
        elif _OTHER_LABEL.match(line):
            others += 1
    return sent >= 1 or others >= 2


def _previous_non_blank(plain: list[str], index: int) -> int | None:
    for above in range(index - 1, -1, -1):
        if plain[above]:
            return above
    return None


def _trailing_quote(plain: list[str], end: int) -> int | None:
    """The first line of the `>` block that ends the text (with an attribution line right
    above it), or None."""
    start: int | None = None
    for index in range(end - 1, -1, -1):
        line = plain[index]
        if line.startswith(">"):
            start = index
        elif line:
            break
    if start is None:
        return None
    above = _previous_non_blank(plain, start)
    if above is not None and _LOOSE_ATTRIBUTION.fullmatch(plain[above]):
        return above
    return start


def _signature_cuts(lines: list[str], plain: list[str], end: int, cuts: list[int]) -> list[int]:
    for index in range(end):
        if _BIDI.sub("", lines[index].rstrip("\r")) == "-- ":
            return [index]
        is_short_delimiter = plain[index] == "--"
        is_mobile = 0 < len(plain[index]) <= 80 and _MOBILE.fullmatch(plain[index]) is not None
        if not (is_short_delimiter or is_mobile):
            continue
        below = min((cut for cut in cuts if cut > index), default=end)
        rest = sum(1 for other in plain[index + 1:below] if other)
        if (is_short_delimiter and rest <= _SHORT_SIGNATURE_LINES) or (is_mobile and not rest):
            return [index]
    return []
