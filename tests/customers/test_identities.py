"""Identity normalisation: canonical values per kind, match keys, and properties (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mehvar.core.errors import Invalid
from mehvar.customers.identities import (
    identity_candidates,
    identity_match_key,
    normalize_identity,
)

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
# Valid numbers in several countries (Iran mobile, Greece mobile and fixed, UK fixed, Saudi
# mobile, Egypt mobile, US).
E164_NUMBERS = ["+989121234567", "+306912345678", "+302106912345", "+442079460018",
                "+966501234567", "+201001234567", "+14155552671"]


@pytest.mark.parametrize(
    ("_case", "kind", "raw", "expected"),
    [
        ("email trimmed, lower", "email", "  Ali.Reza@Example.COM ", "ali.reza@example.com"),
        ("email fa IDNA", "email", "info@مثال.ایران", "info@xn--mgbh0fb.xn--mgba3a4f16a"),
        ("email el IDNA", "email", "eleni@ΠΑΡΆΔΕΙΓΜΑ.GR", "eleni@xn--hxajbheg2az3al.gr"),
        ("phone with spaces", "phone", "+98 912 123 4567", "+989121234567"),
        ("phone in Persian digits", "phone", "+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷", "+989121234567"),
        ("phone in Arabic-Indic digits", "phone", "+٩٦٦ ٥٠ ١٢٣ ٤٥٦٧", "+966501234567"),
        ("phone with 00 prefix", "phone", "0030 691 234 5678", "+306912345678"),
        ("phone with bidi marks", "phone", "\u200f+30 (210) 691-2345\u200e", "+302106912345"),
        ("phone tel: uri", "phone", "tel:+1-415-555-2671", "+14155552671"),
        ("whatsapp id without plus", "whatsapp", "989121234567", "+989121234567"),
        ("telegram @handle", "telegram", "@Ali_Reza", "ali_reza"),
        ("twitter numeric id", "twitter", "1234567890123456789", "1234567890123456789"),
        ("instagram dots", "instagram", "@Eleni.K", "eleni.k"),
        ("facebook name", "facebook", "Nora.AlQahtani", "nora.alqahtani"),
        ("webchat visitor keeps case", "webchat", "  Visitor-AbC123 ", "Visitor-AbC123"),
        ("external Persian id", "external", "مشتری-۴۲", "مشتری-۴۲"),
    ],
)
def test_normalize_identity_gives_the_canonical_value(_case, kind, raw, expected) -> None:
    assert normalize_identity(kind, raw) == expected


@pytest.mark.parametrize(
    ("_case", "kind", "raw"),
    [
        ("email without at", "email", "ali.example.com"),
        ("email two ats", "email", "a@b@example.com"),
        ("email dotted local end", "email", "ali.@example.com"),
        ("email double dot", "email", "a..li@example.com"),
        ("email domain without dot", "email", "ali@localhost"),
        ("email numeric tld", "email", "ali@example.123"),
        ("email space inside", "email", "ali reza@example.com"),
        ("email label with hyphen edge", "email", "ali@-example.com"),
        ("email empty", "email", "   "),
        ("phone national without region", "phone", "09121234567"),
        ("phone invalid number", "phone", "+98 12"),
        ("phone letters", "phone", "call me"),
        ("phone too long input", "phone", "+" + "1" * 80),
        ("whatsapp nonsense", "whatsapp", "abc"),
        ("telegram dash", "telegram", "@ali-reza"),
        ("telegram too long", "telegram", "a" * 33),
        ("twitter empty after @", "twitter", "@"),
        ("instagram non ascii", "instagram", "علی"),
        ("webchat empty", "webchat", "  "),
        ("webchat control char", "webchat", "visitor\x00"),
        ("external bidi override", "external", "\u202eabc"),
        ("external too long", "external", "x" * 256),
    ],
)
def test_normalize_identity_rejects_implausible_values(_case, kind, raw) -> None:
    with pytest.raises(Invalid) as caught:
        normalize_identity(kind, raw)
    assert (caught.value.code, caught.value.field) == ("identity_invalid", "value")


def test_unknown_kind_is_rejected_on_the_kind_field() -> None:
    with pytest.raises(Invalid) as caught:
        normalize_identity("pager", "123")
    assert (caught.value.code, caught.value.field) == ("identity_kind_invalid", "kind")


def test_national_phone_number_uses_the_default_region(settings) -> None:
    settings.MEHVAR_DEFAULT_PHONE_REGION = "IR"
    assert normalize_identity("phone", "۰۹۱۲ ۱۲۳ ۴۵۶۷") == "+989121234567"
    assert normalize_identity("whatsapp", "0912-123-4567") == "+989121234567"


@pytest.mark.parametrize(
    ("_case", "kind", "value", "expected"),
    [
        ("email plus tag dropped", "email", "sara+orders@example.com", "sara@example.com"),
        ("gmail dots and tag dropped", "email", "s.a.ra+x@gmail.com", "sara@gmail.com"),
        ("googlemail is gmail", "email", "sa.ra@googlemail.com", "sara@gmail.com"),
        ("dots kept elsewhere", "email", "s.ara@example.com", "s.ara@example.com"),
        ("phone as tel", "phone", "+989121234567", "tel:+989121234567"),
        ("whatsapp as the same tel", "whatsapp", "+989121234567", "tel:+989121234567"),
        ("handle with kind", "telegram", "ali_reza", "telegram:ali_reza"),
        ("external with kind", "external", "CRM-42", "external:CRM-42"),
    ],
)
def test_match_key_groups_likely_same_identities(_case, kind, value, expected) -> None:
    assert identity_match_key(kind, value) == expected


def test_candidates_cover_every_kind_the_input_could_be() -> None:
    values, keys = identity_candidates("+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷")
    assert values == {"+989121234567", "+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷"}
    assert keys == {"tel:+989121234567", "webchat:+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷",
                    "external:+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷"}


# --- properties ----------------------------------------------------------------------------

LOCAL_PARTS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-+", min_size=1,
                      max_size=20)
DOMAINS = st.sampled_from(["example.com", "mail.example.ir", "gmail.com", "مثال.ایران",
                           "παράδειγμα.gr", "شركة.مصر", "xn--mgbh0fb.xn--mgba3a4f16a"])
EMAILS = st.builds(lambda local, domain: f"{local}@{domain}", LOCAL_PARTS, DOMAINS)


@given(EMAILS)
def test_email_normalisation_is_idempotent(email: str) -> None:
    once = normalize_identity("email", email)
    assert normalize_identity("email", once) == once


@given(EMAILS, st.lists(st.booleans(), min_size=60, max_size=60))
def test_case_variants_of_an_email_normalise_to_one_value(email: str, flips: list[bool]) -> None:
    variant = "".join(char.upper() if flips[index % len(flips)] else char
                      for index, char in enumerate(email))
    assert normalize_identity("email", f"  {variant}\t") == normalize_identity("email", email)


def _formats(number: str) -> st.SearchStrategy[str]:
    digits = number[1:]
    spaced = st.lists(st.sampled_from(["", " ", "-", ".", "\u200f"]),
                      min_size=len(digits), max_size=len(digits)).map(
        lambda gaps: "".join(digit + gap for digit, gap in zip(digits, gaps, strict=True)))
    return st.tuples(st.sampled_from(["+", "00", " +", "tel:+"]), spaced,
                     st.sampled_from([None, PERSIAN_DIGITS, ARABIC_DIGITS])).map(
        lambda parts: (parts[0] + parts[1]).translate(parts[2]) if parts[2] else
        parts[0] + parts[1])


@given(st.sampled_from(E164_NUMBERS).flatmap(lambda number: st.tuples(st.just(number),
                                                                      _formats(number))))
def test_formatting_variants_of_one_number_give_one_e164(case: tuple[str, str]) -> None:
    number, typed = case
    assert normalize_identity("phone", typed) == number
    assert normalize_identity("whatsapp", typed) == number


@given(st.sampled_from(["phone", "whatsapp", "telegram", "twitter", "instagram", "facebook",
                        "webchat", "external"]),
       st.text(alphabet="@ +0123456789۰۱۲۳۴۵abcXYZ._-αβمشتری\u200c", min_size=1,
               max_size=30))
def test_normalisation_is_idempotent_for_every_kind(kind: str, raw: str) -> None:
    try:
        once = normalize_identity(kind, raw)
    except Invalid:
        return
    assert normalize_identity(kind, once) == once
    assert identity_match_key(kind, once) == identity_match_key(kind, normalize_identity(kind,
                                                                                           once))
