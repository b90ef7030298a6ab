"""How each language writes the numbers, counts, dates and money in the demo texts.

Persian uses Persian digits and the Solar Hijri (Jalali) calendar, Arabic the plural rules of
its counted nouns (يومين، 3 أيام، 11 يوماً), Greek the genitive month names (14 Μαρτίου).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "ar": ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
           "أكتوبر", "نوفمبر", "ديسمبر"),
    "el": ("Ιανουαρίου", "Φεβρουαρίου", "Μαρτίου", "Απριλίου", "Μαΐου", "Ιουνίου", "Ιουλίου",
           "Αυγούστου", "Σεπτεμβρίου", "Οκτωβρίου", "Νοεμβρίου", "Δεκεμβρίου"),
    "fa": ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی",
           "بهمن", "اسفند"),
}

# country -> (symbol or word, symbol first, decimals)
CURRENCIES: dict[str, tuple[str, bool, int]] = {
    "GB": ("£", True, 2),
    "AE": ("درهم", False, 0),
    "SA": ("ريال", False, 0),
    "IR": ("تومان", False, 0),
    "GR": ("€", False, 2),
    "CY": ("€", False, 2),
}
CURRENCY_LATIN = {"درهم": "AED", "ريال": "SAR", "تومان": "toman"}


def fa_digits(text: str) -> str:
    return text.translate(PERSIAN_DIGITS)


def _count(language: str, number: int, words: dict[str, tuple[str, str, str, str]]) -> str:
    """`number` of a counted noun: words[lang] = (one, two, few, many) (Arabic needs all four)."""
    one, two, few, many = words[language]
    if language == "ar":
        if number == 1:
            return one
        if number == 2:
            return two
        return f"{number} {few if 3 <= number <= 10 else many}"
    if language == "fa":
        return fa_digits(f"{number} {many}")
    return one if number == 1 else f"{number} {many}"


_DAYS = {"en": ("1 day", "2 days", "days", "days"), "ar": ("يوم واحد", "يومين", "أيام", "يوماً"),
         "fa": ("", "", "", "روز"), "el": ("1 μέρα", "2 μέρες", "μέρες", "μέρες")}
_HOURS = {"en": ("1 hour", "2 hours", "hours", "hours"), "ar": ("ساعة", "ساعتين", "ساعات", "ساعة"),
          "fa": ("", "", "", "ساعت"), "el": ("1 ώρα", "2 ώρες", "ώρες", "ώρες")}
_TIMES = {"en": ("once", "twice", "times", "times"), "ar": ("مرة", "مرتين", "مرات", "مرة"),
          "fa": ("", "", "", "بار"), "el": ("μία φορά", "δύο φορές", "φορές", "φορές")}


def days(language: str, number: int) -> str:
    return _count(language, number, _DAYS)


def hours(language: str, number: int) -> str:
    return _count(language, number, _HOURS)


def times(language: str, number: int) -> str:
    if language == "en" and number == 2:
        return "twice"
    return _count(language, number, _TIMES)


def gregorian_to_jalali(day: date) -> tuple[int, int, int]:
    """The Solar Hijri (Jalali) date of a Gregorian date: the 33-year-cycle arithmetic used by
    most Iranian software (exact for the years the demo uses)."""
    g_days_in_month = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    gy, gm, gd = day.year - 1600, day.month - 1, day.day - 1
    g_day_no = 365 * gy + (gy + 3) // 4 - (gy + 99) // 100 + (gy + 399) // 400
    g_day_no += sum(g_days_in_month[:gm]) + gd
    if gm > 1 and ((gy + 1600) % 4 == 0 and ((gy + 1600) % 100 != 0 or (gy + 1600) % 400 == 0)):
        g_day_no += 1
    j_day_no = g_day_no - 79
    j_np = j_day_no // 12053
    j_day_no %= 12053
    jy = 979 + 33 * j_np + 4 * (j_day_no // 1461)
    j_day_no %= 1461
    if j_day_no >= 366:
        jy += (j_day_no - 1) // 365
        j_day_no = (j_day_no - 1) % 365
    month = 1
    for length in (31, 31, 31, 31, 31, 31, 30, 30, 30, 30, 30):
        if j_day_no < length:
            break
        j_day_no -= length
        month += 1
    return jy, month, j_day_no + 1


def day_and_month(language: str, day: date) -> str:
    if language == "fa":
        _year, month, day_number = gregorian_to_jalali(day)
        return fa_digits(f"{day_number} {MONTHS['fa'][month - 1]}")
    return f"{day.day} {MONTHS[language][day.month - 1]}"


def money(language: str, country: str, amount: Decimal) -> str:
    """An amount as a customer in `country` writing in `language` would write it."""
    symbol, first, decimals = CURRENCIES[country]
    if language == "en" and symbol in CURRENCY_LATIN:
        symbol, first = CURRENCY_LATIN[symbol], False
    text = f"{amount:,.{decimals}f}"
    if symbol == "€":  # 1.249,90 €
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    if language == "fa":
        text = fa_digits(text.replace(",", "٬"))
    return f"{symbol}{text}" if first else f"{text} {symbol}"
