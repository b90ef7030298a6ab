"""Message text, HTML and tags: hostile input (customer e-mail) made safe to store and show.

`sanitize_html` keeps a conservative allow-list through nh3 (ammonia): formatting, lists,
quotes, code, simple tables, links to http/https/mailto only and images only from `cid:`
(inline e-mail parts) or `https:`. Scripts, styles, event handlers, iframes, forms and every
other tag or attribute are removed. `html_to_text` gives the plain-text body when only HTML was
sent. `clean_text` removes NUL and the other C0 control characters (keeping newline and tab)
and lone surrogates; bidi controls (U+202A-U+202E, U+2066-U+2069) are kept, because the UI
shows user text inside an isolate (`dir="auto"`, `<bdi>`), where they cannot leak.
`normalize_tag` gives the one stored spelling of a tag, used when writing and filtering.
"""

from __future__ import annotations

import re
import unicodedata
from html import escape, unescape
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = {
    "p", "br", "b", "strong", "i", "em", "u", "a", "ul", "ol", "li", "blockquote", "pre",
    "code", "span", "div", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
    "img", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "sub", "sup", "s",
}
# Removed together with everything inside them (not just the tags).
DROPPED_WITH_CONTENT = {
    "script", "style", "iframe", "object", "embed", "noscript", "template", "title", "head",
    "svg", "math", "textarea", "select", "frameset", "frame", "noembed", "xmp",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
DIRECTION_VALUES = {"ltr", "rtl", "auto"}
DIRECTION_ATTRIBUTE = {
    tag: {"dir": DIRECTION_VALUES} for tag in ("span", "div", "p", "blockquote", "td", "th")
}
LINK_SCHEMES = ("http:", "https:", "mailto:")
IMAGE_SCHEMES = ("cid:", "https:")
MAX_HTML_TAGS = 10_000

# C0 controls except tab (\x09) and newline (\x0a); \r is normalised to \n first. Also DEL
# and lone surrogates (they cannot be encoded as UTF-8, so the database would refuse them).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
_NEWLINES = re.compile(r"\r\n?")
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")
_SPACES = re.compile(r"[ \t\f\v]+")
_ANY_TAG = re.compile(r"<[^>]*>?")
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_WHITESPACE = re.compile(r"\s+")
# Zero-width characters and bidi controls have no place in a short label.
_INVISIBLE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Keep link targets and image sources only with the schemes we trust (case-insensitive);
    ammonia has already removed relative URLs and unknown schemes."""
    lowered = value.strip().lower()
    if tag == "a" and attribute == "href":
        return value if lowered.startswith(LINK_SCHEMES) else None
    if tag == "img" and attribute == "src":
        return value if lowered.startswith(IMAGE_SCHEMES) else None
    if attribute in {"width", "height", "colspan", "rowspan"}:
        return value if value.isdigit() and len(value) <= 4 else None
    return value


_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags=DROPPED_WITH_CONTENT,
    attributes=ALLOWED_ATTRIBUTES,
    tag_attribute_values=DIRECTION_ATTRIBUTE,
    attribute_filter=_filter_attribute,
    link_rel="noopener noreferrer nofollow",
    url_schemes={"http", "https", "mailto", "cid"},
    url_relative="deny",
    strip_comments=True,
)


def clean_text(text: str) -> str:
    """Normalise newlines and drop NUL, other C0 controls (not \\n, \\t), DEL and surrogates."""
    return _CONTROLS.sub("", _NEWLINES.sub("\n", text))


def sanitize_html(raw: str) -> str:
    """The allow-listed, well-formed subset of `raw`; an empty string stays empty.

    The HTML5 tree builder takes time quadratic in the nesting depth of block elements (20,000
    nested <div>s cost a second, 100,000 forty), so markup with more than MAX_HTML_TAGS tags
    is not parsed: its words are kept as one escaped paragraph and the markup is dropped."""
    if not raw:
        return ""
    text = clean_text(raw)
    if text.count("<") > MAX_HTML_TAGS:
        markup_free = _ANY_TAG.sub(" ", _SCRIPT_OR_STYLE.sub(" ", text))
        words = " ".join(unescape(markup_free).split())
        return f"<p>{escape(words, quote=False)}</p>" if words else ""
    return _CLEANER.clean(text).strip()


class _TextExtractor(HTMLParser):
    BLOCKS = {
        "p", "div", "blockquote", "pre", "table", "tr", "ul", "ol", "h1", "h2", "h3", "h4",
        "h5", "h6", "hr", "caption",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.preformatted = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in {"td", "th"}:
            self.parts.append("\t")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n" if tag == "p" else "\n")
        if tag == "pre":
            self.preformatted += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self.preformatted = max(0, self.preformatted - 1)
        if tag in self.BLOCKS:
            self.parts.append("\n\n" if tag == "p" else "\n")

    def handle_data(self, data: str) -> None:
        if self.preformatted:
            self.parts.append(data)
        else:
            self.parts.append(_SPACES.sub(" ", data.replace("\n", " ")))


def html_to_text(html: str, *, sanitized: bool = False) -> str:
    """Readable plain text of an HTML fragment: blocks and <br> become line breaks, list items
    get "- ", scripts and styles are dropped (the input is sanitised first unless `sanitized`
    says it already is)."""
    safe = html if sanitized else sanitize_html(html)
    if not safe:
        return ""
    extractor = _TextExtractor()
    extractor.feed(safe)
    extractor.close()
    text = "".join(extractor.parts)
    lines = [line.strip(" ") for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _is_latin(char: str) -> bool:
    return char.isascii() or unicodedata.name(char, "").startswith("LATIN ")


def normalize_tag(raw: str) -> str:
    """NFC, controls and invisible characters removed, whitespace collapsed to one space,
    Latin letters lower-cased (Arabic and Persian have no case; Greek keeps its spelling)."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", clean_text(raw)))
    text = _WHITESPACE.sub(" ", text).strip()
    return "".join(char.lower() if _is_latin(char) else char for char in text)
