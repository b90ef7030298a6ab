"""model_text: the normalisation the intelligence models see (shared with search)."""

from __future__ import annotations

from mehvar.core.text import model_text, normalize_text


def test_arabic_letter_variants_diacritics_and_tatweel_fold() -> None:
    assert model_text("شُكْراً جزيلاً على المساعدة") == model_text("شكرا جزيلا علی المساعده")
    assert model_text("الفاتـــورة") == "الفاتوره"
    assert model_text("إلغاء الطلب") == model_text("الغاء الطلب")
    assert model_text("أين طلبي؟") == "این طلبی؟"


def test_persian_zwnj_yeh_kaf_and_digits_fold() -> None:
    assert model_text("سفارش‌هایم هنوز نرسیده‌اند") == "سفارشهایم هنوز نرسیدهاند"
    assert model_text("كيف") == model_text("کیف")
    assert model_text("کد پیگیری ۱۲۳۴۵") == "کد پیگیری 12345"
    assert model_text("رقم الطلب ٤٥٦") == "رقم الطلب 456"


def test_greek_accents_case_and_final_sigma_fold() -> None:
    assert model_text("Ευχαριστώ ΠΟΛΥ για τη γρήγορη αποστολή!") == (
        "ευχαριστω πολυ για τη γρηγορη αποστολη!"
    )
    folded = model_text("λαθοσ χρεωση στον λογαριασμοσ")
    assert model_text("Λάθος χρέωση στον λογαριασμός") == folded


def test_urls_and_emails_are_masked_before_folding() -> None:
    text = "Γράψτε στο Support@Shop.gr ή δείτε https://shop.gr/Παραγγελία?id=7 και www.shop.gr"
    assert model_text(text) == "γραψτε στο email η δειτε url και url"
    assert model_text("راسلوني على ali.hassan+1@mail.example.com") == "راسلونی علی email"
    assert model_text("لینک: http://example.ir/پیگیری") == "لینک: url"


def test_emoji_survive_as_tokens_of_their_own() -> None:
    assert model_text("Thanks🙏") == "thanks 🙏"
    assert model_text("عالی بود😍😍") == "عالی بود 😍 😍"
    assert "👍🏽" in model_text("τέλεια👍🏽")
    assert "😡" in model_text("خیلی بد 😡")


def test_numbers_kept_and_whitespace_collapsed() -> None:
    text = "  Order   #4521 \n arrived 3 days late "
    assert model_text(text) == "order #4521 arrived 3 days late"
    assert model_text("") == ""


def test_agrees_with_normalize_text_on_plain_text() -> None:
    for text in ("Καλημέρα σας", "مرحباً بكم", "سلام خسته نباشید", "Hello there"):
        assert model_text(text) == normalize_text(text)
