"""Identity normalisation: one canonical `value` per kind, and a `match_key` across kinds.

`normalize_identity` is what is stored (unique per kind) and what lookups compare with; it is
idempotent (normalising a normalised value returns it unchanged). `identity_match_key` groups
values that probably belong to one person: an email without its +tag (and, for Gmail, without
dots), and one key for a phone number whether it arrived as a call, an SMS or a WhatsApp chat.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mehvar.core.errors import Invalid
from mehvar.customers.errors import CustomerErrorCode
from mehvar.customers.models import IdentityKind

MAX_EMAIL_LENGTH = 254
MAX_LOCAL_PART_LENGTH = 64
MAX_DOMAIN_LENGTH = 253
MAX_PHONE_INPUT_LENGTH = 64
MAX_OPAQUE_LENGTH = 255
PHONE_KINDS = frozenset({IdentityKind.PHONE, IdentityKind.WHATSAPP})
# `IdentityKind.values` builds a new list on every access (every inbound message asks).
_KINDS = frozenset(IdentityKind.values)
GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})

# Persian and Arabic-Indic digits to ASCII; bidi marks and joiners that copy-paste from
# right-to-left text carries along are dropped.
_PHONE_MAP = str.maketrans(
    {
        **{chr(0x0660 + digit): str(digit) for digit in range(10)},
        **{chr(0x06F0 + digit): str(digit) for digit in range(10)},
        **{chr(code): None for code in (0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0xFEFF)},
        **{chr(code): None for code in range(0x202A, 0x202F)},
        **{chr(code): None for code in range(0x2066, 0x206A)},
    }
)
_LOCAL_SPECIALS = frozenset("!#$%&'*+/=?^_`{|}~-.")
_DOMAIN_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
# kind -> (allowed characters, maximum length); handles may also be the network's numeric id.
_HANDLE_RULES: dict[str, tuple[re.Pattern[str], int]] = {
    IdentityKind.TELEGRAM: (re.compile(r"[a-z0-9_]+"), 32),
    IdentityKind.TWITTER: (re.compile(r"[a-z0-9_]+"), 20),
    IdentityKind.INSTAGRAM: (re.compile(r"[a-z0-9._]+"), 30),
    IdentityKind.FACEBOOK: (re.compile(r"[a-z0-9.]+"), 50),
}
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


def _invalid(detail: str | Promise) -> Invalid:
    return Invalid(CustomerErrorCode.IDENTITY_INVALID, detail, field="value")


def normalize_identity(kind: str, raw: str) -> str:
    """The canonical form of `raw` for `kind`; raises Invalid("identity_invalid") if it is not
    a plausible value of that kind."""
    if kind not in _KINDS:
        raise Invalid(CustomerErrorCode.IDENTITY_KIND_INVALID, _("Unknown identity kind."),
                      field="kind")
    if not isinstance(raw, str):
        raise _invalid(_("The identity value must be text."))
    if kind == IdentityKind.EMAIL:
        return _normalize_email(raw)
    if kind in PHONE_KINDS:
        return _normalize_phone(raw, bare_international=kind == IdentityKind.WHATSAPP)
    if kind in _HANDLE_RULES:
        return _normalize_handle(kind, raw)
    return _normalize_opaque(raw)


def identity_match_key(kind: str, value: str) -> str:
    """The key that groups likely-same identities; `value` must already be normalised."""
    if kind == IdentityKind.EMAIL:
        local, domain = value.rsplit("@", 1)
        untagged = local.split("+", 1)[0] or local
        if domain in GMAIL_DOMAINS:
            untagged = untagged.replace(".", "") or untagged
            domain = "gmail.com"
        return f"{untagged}@{domain}"
    if kind in PHONE_KINDS:
        return f"tel:{value}"
    return f"{kind}:{value}"


def identity_candidates(raw: str) -> tuple[set[str], set[str]]:
    """Every normalised value `raw` could be (over all kinds) and their match keys: what a
    search box typed by a person should find."""
    values: set[str] = set()
    keys: set[str] = set()
    for kind in IdentityKind.values:
        try:
            value = normalize_identity(kind, raw)
        except Invalid:
            continue
        values.add(value)
        keys.add(identity_match_key(kind, value))
    return values, keys


def _normalize_email(raw: str) -> str:
    text = unicodedata.normalize("NFC", unicodedata.normalize("NFC", raw.strip()).lower())
    if not text or len(text) > MAX_EMAIL_LENGTH * 2 or text.count("@") != 1:
        raise _invalid(_("Enter an email address like name@example.com."))
    local, domain = text.split("@")
    if (
        not local
        or len(local) > MAX_LOCAL_PART_LENGTH
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
        or not all(char.isalnum() or char in _LOCAL_SPECIALS for char in local)
    ):
        raise _invalid(_("The part of the email address before @ is not valid."))
    address = f"{local}@{_normalize_domain(domain)}"
    if len(address) > MAX_EMAIL_LENGTH:
        raise _invalid(_("The email address is too long."))
    return address


def normalize_domain(raw: str) -> str:
    """A host name in lower-case ASCII (IDNA); raises Invalid("domain_invalid")."""
    try:
        return _normalize_domain(unicodedata.normalize("NFC", raw.strip()).lower())
    except Invalid as error:
        raise Invalid(CustomerErrorCode.DOMAIN_INVALID, error.detail, field="domain") from error


def _normalize_domain(domain: str) -> str:
    domain = domain.removesuffix(".")
    if not domain or len(domain) > MAX_DOMAIN_LENGTH * 2:
        raise _invalid(_("The domain name is not valid."))
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError as error:
        raise _invalid(_("The domain name is not valid.")) from error
    labels = ascii_domain.split(".")
    if (
        len(ascii_domain) > MAX_DOMAIN_LENGTH
        or len(labels) < 2
        or labels[-1].isdigit()
        or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels)
    ):
        raise _invalid(_("The domain name is not valid."))
    return ascii_domain


def _normalize_phone(raw: str, *, bare_international: bool) -> str:
    text = raw.translate(_PHONE_MAP).strip()
    if text.lower().startswith("tel:"):
        text = text[4:].strip()
    if not text or len(text) > MAX_PHONE_INPUT_LENGTH:
        raise _invalid(_("Enter a phone number in international format, like +98 912 345 6789."))
    if text.startswith("00"):
        text = "+" + text[2:]
    region = settings.MEHVAR_DEFAULT_PHONE_REGION or None
    attempts: list[tuple[str, str | None]] = []
    if text.startswith("+"):
        attempts.append((text, None))
    else:
        if region:
            attempts.append((text, region))
        if bare_international and text.isdigit():
            # WhatsApp ids are international numbers without the "+".
            attempts.append(("+" + text, None))
    for candidate, candidate_region in attempts:
        try:
            number = phonenumbers.parse(candidate, candidate_region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    if not attempts:
        raise _invalid(_("Start the phone number with + and the country code."))
    raise _invalid(_("This is not a valid phone number."))


def _normalize_handle(kind: str, raw: str) -> str:
    handle = raw.strip().removeprefix("@").lower()
    pattern, max_length = _HANDLE_RULES[kind]
    if not handle or len(handle) > max_length or not pattern.fullmatch(handle):
        raise _invalid(
            _("Enter a user name of at most %(max)d letters, digits and underscores.")
            % {"max": max_length}
        )
    return handle


def _normalize_opaque(raw: str) -> str:
    value = raw.strip()
    if not value or len(value) > MAX_OPAQUE_LENGTH:
        raise _invalid(_("Enter an id of 1 to 255 characters."))
    if any(unicodedata.category(char) in _FORBIDDEN_CATEGORIES for char in value):
        raise _invalid(_("The id contains control characters."))
    return value
