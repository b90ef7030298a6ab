from hypothesis import given
from hypothesis import strategies as st

from mehvar.core.text import normalize_text


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
