import pytest
from hypothesis import given
from hypothesis import strategies as st

from mehvar.core.text import highlight, match_spans, normalize_text, script_language


def test_persian_typed_with_arabic_yeh_and_kaf_matches_persian() -> None:
    assert normalize_text("كد تأييد") == normalize_text("کد تأیید")


def test_arabic_teh_marbuta_hamza_and_diacritics_fold() -> None:
    assert normalize_text("الفاتورة") == normalize_text("الفاتوره")
    assert normalize_text("أَحْمَد") == normalize_text("احمد")
    assert normalize_text("محـــمد") == "محمد"


def test_greek_accents_case_and_final_sigma_fold() -> None:
    assert normalize_text("ΕΠΙΣΤΡΟΦΗ") == normalize_text("επιστροφή") == "επιστροφη"
    assert normalize_text("Γιώργος") == normalize_text("γιωργοσ")


def test_zero_width_non_joiner_and_digits_fold() -> None:
    assert normalize_text("می\u200cخواهم") == normalize_text("میخواهم")
    assert normalize_text("۱۲۳ ٤٥٦") == "123 456"


@given(st.text(alphabet="ابپتثجحخدذرزسشصضطظعغفقکگلمنوهیيكةأإآ ًٌٍَُِّْـ\u200cαβγδεέήίόύώςΣ", max_size=40))
def test_normalisation_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


# --- highlighting (search results) ----------------------------------------------------------

def test_highlight_marks_the_original_letters_of_a_normalised_match() -> None:
    assert highlight("لم تصل الفاتورةُ بعد", "الفاتوره") == "لم تصل <mark>الفاتورةُ</mark> بعد"
    assert highlight("کد تأیید شما", "كد تاييد") == "<mark>کد</mark> <mark>تأیید</mark> شما"
    assert highlight("Η ΕΠΙΣΤΡΟΦΉ χρημάτων", "επιστρ") == "Η <mark>ΕΠΙΣΤΡΟΦΉ</mark> χρημάτων"
    assert highlight("من می\u200cخواهم", "میخواهم") == "من <mark>می\u200cخواهم</mark>"
    assert highlight("محـــمد آمد", "محمد") == "<mark>محـــمد</mark> آمد"


def test_highlight_matches_word_starts_unless_asked_for_anywhere() -> None:
    assert highlight("a refund", "fund") == "a refund"
    assert highlight("a refund", "fund", anywhere=True) == "a <mark>refund</mark>"


def test_highlight_escapes_everything_and_drops_bidi_controls() -> None:
    text = '<script>alert("x")</script> refund \u202eexe.txt \u2067x\u2069'
    assert highlight(text, "refund <b>") == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <mark>refund</mark> exe.txt x")
    assert highlight("<b>refund</b>", "b") == "&lt;<mark>b</mark>&gt;refund&lt;/<mark>b</mark>&gt;"


def test_highlight_cuts_a_long_text_to_a_snippet_around_the_first_match() -> None:
    text = "αρχή " * 100 + "η σύνδεση χάθηκε " + "τέλος " * 100
    snippet = highlight(text, "ΣΥΝΔΕΣΗ", max_chars=120)
    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert "η <mark>σύνδεση</mark> χάθηκε" in snippet
    assert len(snippet) <= 120 + len("<mark></mark>") + 2


def test_highlight_without_a_match_keeps_the_start() -> None:
    assert highlight("ένα δύο τρία", "zzz", max_chars=7) == "ένα…"
    assert highlight("", "x") == ""


@given(st.text(alphabet="ابپتثجحخدذرزسشصضطظعغفقکگلمنوهیيكةأإآ ًٌٍَُِّْـ\u200cαβγδεέήίόύώςΣ<>&\"'\u202e",
               max_size=60),
       st.text(alphabet="ابتکيكةαβέΣ ", max_size=8))
def test_highlight_never_leaks_markup_and_keeps_the_text(text: str, query: str) -> None:
    html = str(highlight(text, query))
    plain = html.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in plain
    assert ">" not in plain
    unescaped = (plain.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
                 .replace("&#x27;", "'").replace("&amp;", "&"))
    assert unescaped == text.replace("\u202e", "")
    assert all(start < end for start, end in match_spans(text, query))


@pytest.mark.parametrize(("text", "language"), [
    ("سلام، سفارش من هنوز نرسیده است.", "fa"),
    ("می‌خواستم بدانم کی ارسال می‌شود", "fa"),
    ("مرحبا، طلبي رقم ٤٥٦ لم يصل بعد.", "ar"),
    ("Καλησπέρα, χρειάζομαι το τιμολόγιο.", "el"),
    ("Order 1234 has not arrived", ""),  # Latin script says nothing about the language
    ("", ""),
    ("12345 !!!", ""),
])
def test_script_language_names_the_script_s_language(text: str, language: str) -> None:
    assert script_language(text) == language


@given(st.text(max_size=300))
def test_script_language_always_answers_a_known_code(text: str) -> None:
    assert script_language(text) in {"", "ar", "fa", "el"}
