"""detect_languages: script fast path, lingua for Arabic vs Persian, allowed languages."""

from __future__ import annotations

from mehvar.intelligence.language import detect_languages

SENTENCES = {
    "en": "Hello, my order has not arrived yet and I would like a refund.",
    "ar": "مرحباً، لم يصل طلبي حتى الآن وأريد استرداد المبلغ من فضلكم.",
    "fa": "سلام، سفارش من هنوز نرسیده و می‌خواهم پولم را پس بگیرم.",
    "el": "Γεια σας, η παραγγελία μου δεν έχει φτάσει ακόμα και θέλω επιστροφή χρημάτων.",
}


def test_detects_the_four_languages() -> None:
    results = detect_languages(list(SENTENCES.values()))
    assert [code for code, _ in results] == list(SENTENCES)
    assert all(0.5 < confidence <= 1.0 for _, confidence in results)


def test_arabic_and_persian_without_telltale_letters() -> None:
    # Neither sentence has letters only one of the two languages writes.
    texts = ["هل يمكن أن ترسل لي الفاتورة الآن", "من امروز دو بار زنگ زدم ولی کسی جواب نداد"]
    assert [code for code, _ in detect_languages(texts)] == ["ar", "fa"]


def test_empty_and_letterless_texts_are_undecided() -> None:
    assert detect_languages(["", "   ", "12345 !!! 😊", "https://example.com/x"]) == [
        ("", 0.0), ("", 0.0), ("", 0.0), ("", 0.0)
    ]


def test_urls_and_emails_do_not_count_as_english() -> None:
    text = "لطفاً به support@example.com ایمیل بزنید یا https://example.com را ببینید"
    assert detect_languages([text])[0][0] == "fa"


def test_restricted_languages_and_unsupported_codes() -> None:
    results = detect_languages([SENTENCES["el"], SENTENCES["en"]], languages=("en", "xx"))
    assert results[0] == ("", 0.0)  # Greek is not allowed
    assert results[1][0] == "en"
    assert detect_languages([SENTENCES["fa"]], languages=("fa",))[0][0] == "fa"
    assert detect_languages([SENTENCES["ar"]], languages=("ar", "fa"))[0][0] == "ar"


def test_mixed_script_goes_by_most_letters() -> None:
    text = "Η συσκευή iPhone δεν ανάβει μετά την ενημέρωση"
    assert detect_languages([text])[0][0] == "el"
    assert detect_languages([])  == []
