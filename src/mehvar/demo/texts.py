"""The demo texts by language: each module has SCENARIOS (per scenario: subject, open, angry,
follow, reply, ask, resolve, note), the reply building blocks (SORRY, SIGN, CURT ...), the
catalogue (PRODUCTS, PLANS, CITIES by country, DESTINATIONS, COURIERS) and greet()."""

from __future__ import annotations

from types import ModuleType

from mehvar.demo import text_ar, text_el, text_en, text_fa

TEXTS: dict[str, ModuleType] = {"en": text_en, "ar": text_ar, "fa": text_fa, "el": text_el}
LANGUAGES = tuple(TEXTS)
SCENARIO_KEYS = tuple(text_en.SCENARIOS)
