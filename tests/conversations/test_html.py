"""Hostile HTML is reduced to the allow-list; text keeps bidi controls but loses C0 controls."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mehvar.conversations.html import (
    MAX_HTML_TAGS,
    clean_text,
    html_to_text,
    normalize_tag,
    sanitize_html,
)

LINK_REL = 'rel="noopener noreferrer nofollow"'


@pytest.mark.parametrize(
    ("_case", "raw", "expected"),
    [
        ("script dropped with content", "<p>سلام</p><script>alert(1)</script>",
         "<p>سلام</p>"),
        ("script in svg", "<svg><script>alert(1)</script></svg>بعد", "بعد"),
        ("event handler", '<img src="https://cdn.example/a.png" onerror="alert(1)">',
         '<img src="https://cdn.example/a.png">'),
        ("javascript link", '<a href="javascript:alert(1)">κλικ</a>', f"<a {LINK_REL}>κλικ</a>"),
        ("javascript link mixed case", '<a href="JaVaScRiPt:alert(1)">x</a>',
         f"<a {LINK_REL}>x</a>"),
        ("entity-encoded javascript", '<a href="&#106;avascript:alert(1)">x</a>',
         f"<a {LINK_REL}>x</a>"),
        ("data url link", '<a href="data:text/html,<script>alert(1)</script>">x</a>',
         f"<a {LINK_REL}>x</a>"),
        ("relative link", '<a href="/admin/">x</a>', f"<a {LINK_REL}>x</a>"),
        ("https link keeps href", '<a href="https://shop.example/o?id=1&x=2" target="_blank">'
         "سفارش</a>", f'<a href="https://shop.example/o?id=1&amp;x=2" {LINK_REL}>سفارش</a>'),
        ("mailto link", '<a href="mailto:help@example.com">mail</a>',
         f'<a href="mailto:help@example.com" {LINK_REL}>mail</a>'),
        ("style element", "<style>body{display:none}</style><p>ok</p>", "<p>ok</p>"),
        ("style attribute", '<p style="position:fixed">ok</p>', "<p>ok</p>"),
        ("iframe", '<iframe src="https://evil.example"></iframe>μετά', "μετά"),
        ("object and embed", '<object data="x.swf"></object><embed src="y">z', "z"),
        ("form controls", '<form action="https://evil.example"><input name="q"></form>بعد',
         "بعد"),
        ("http image", '<img src="http://tracker.example/p.gif">', "<img>"),
        ("cid image", '<img src="cid:logo@mail" alt="لوگو">',
         '<img src="cid:logo@mail" alt="لوگو">'),
        ("dir attribute kept", '<div dir="rtl"><span dir="ltr">ABC</span></div>',
         '<div dir="rtl"><span dir="ltr">ABC</span></div>'),
        ("bad dir value", '<span dir="rtl;x">x</span>', "<span>x</span>"),
        ("class and id dropped", '<p class="x" id="y">z</p>', "<p>z</p>"),
        ("nested broken tags", "<p><b><i>ناقص <table><tr><td colspan=2 onclick=x>خانه",
         "<p><b><i>ناقص </i></b></p><table><tbody><tr><td colspan=\"2\">خانه</td></tr>"
         "</tbody></table>"),
        ("comment", "<!-- <script>x</script> --><p>x</p>", "<p>x</p>"),
        ("meta refresh", '<meta http-equiv="refresh" content="0;url=https://evil">x', "x"),
        ("nul inside", "<p>a\x00b</p>", "<p>ab</p>"),
        ("empty", "", ""),
    ],
)
def test_sanitize_html_keeps_only_the_allow_list(_case: str, raw: str, expected: str) -> None:
    assert sanitize_html(raw) == expected


def test_sanitize_html_keeps_bidi_controls_in_text() -> None:
    assert sanitize_html("<p>\u202bمرحبا\u202c \u2067abc\u2069</p>") == (
        "<p>\u202bمرحبا\u202c \u2067abc\u2069</p>")


def test_clean_text_strips_nul_and_c0_controls_but_keeps_bidi_newlines_and_tabs() -> None:
    raw = "سلام\x00 دنیا\x07\r\nΚαλη\tμέρα\u202e\u2066x\u2069\x1b\x7f\ud800"
    assert clean_text(raw) == "سلام دنیا\nΚαλη\tμέρα\u202e\u2066x\u2069"


def test_html_to_text_gives_readable_lines() -> None:
    html = (
        "<p>سلام <b>علی</b>،</p><p>سفارش شما ارسال شد.<br>کد رهگیری: ۱۲۳۴</p>"
        "<ul><li>یک</li><li>δύο</li></ul><script>alert(1)</script>"
        "<p>A &amp; B &lt;ok&gt;</p>"
    )
    assert html_to_text(html) == (
        "سلام علی،\n\nسفارش شما ارسال شد.\nکد رهگیری: ۱۲۳۴\n\n- یک\n- δύο\n\nA & B <ok>")


def test_deeply_nested_markup_is_reduced_to_its_words_quickly() -> None:
    raw = ("<div>" * 60_000 + "سلام <b>Γειά</b> &amp; hello<script>alert('x')</script>"
           "<style>p{}</style>" + "</div>" * 60_000)

    started = time.perf_counter()
    safe = sanitize_html(raw)
    text = html_to_text(raw)
    elapsed = time.perf_counter() - started

    assert safe == "<p>سلام Γειά &amp; hello</p>"
    assert text == "سلام Γειά & hello"
    assert elapsed < 2


def test_markup_just_under_the_tag_limit_is_still_parsed() -> None:
    raw = "<p>x</p>" * (MAX_HTML_TAGS // 2)

    assert sanitize_html(raw) == raw


def test_html_to_text_of_markup_without_text_is_empty() -> None:
    assert html_to_text('<img src="cid:a"><script>x</script>') == ""


@pytest.mark.parametrize(
    ("_case", "raw", "expected"),
    [
        ("latin lower-cased", "  VIP   Customer ", "vip customer"),
        ("persian kept", " ارسال‌ فوری ", "ارسال‌ فوری"),
        ("arabic kept", "الفواتير", "الفواتير"),
        ("greek keeps its case", "Επείγον", "Επείγον"),
        ("accented latin lower-cased", "ÉTÉ", "été"),
        ("bidi and zero-width removed", "\u202evip\u200b", "vip"),
        ("newline and tab collapsed", "late\n\tdelivery", "late delivery"),
    ],
)
def test_normalize_tag(_case: str, raw: str, expected: str) -> None:
    assert normalize_tag(raw) == expected


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",))
               | st.sampled_from("<>&\"'=/ سلامΓειά\u202e\x00")))
def test_sanitize_html_output_is_stable_and_free_of_scripts(raw: str) -> None:
    once = sanitize_html(raw)
    assert sanitize_html(once) == once
    assert "<script" not in once.lower()
    assert "\x00" not in once
