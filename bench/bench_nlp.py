"""Text intelligence speed on one core: enrichment (language + sentiment + emotion + intent),
language detection alone, sentiment alone.

    .venv/bin/python bench/bench_nlp.py [--messages 20000] [--batch 500]

Short multilingual customer-service messages (en/ar/fa/el, with numbers, emoji, URLs) are
analysed in batches of --batch by `intelligence.analysis.Analyzer` with the shipped starter
models (sentiment per language, emotion for en/ar/el) and an intent model trained here on
the team's examples (12 intents, multilingual), as one company's would be. BLAS and OpenMP
are held to one thread (threadpoolctl and *_NUM_THREADS), lingua runs one text at a time.
The floor of issue 7 is 2,000 messages/s per core for the whole enrichment. One JSON line
(kind "mehvar_nlp") is appended to var/bench/results.jsonl.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

from threadpoolctl import threadpool_limits  # noqa: E402

from mehvar.intelligence.analysis import Analyzer  # noqa: E402
from mehvar.intelligence.language import detect_languages  # noqa: E402
from mehvar.intelligence.starter import starter_model  # noqa: E402
from mehvar.intelligence.textmodels import TextClassifier  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "var" / "bench" / "results.jsonl"
FLOOR = 2_000

INTENTS = {
    "track_order": ["Where is my order {n}?", "أين طلبي رقم {n}؟", "سفارش {n} من کجاست؟",
                    "Πού είναι η παραγγελία {n};"],
    "refund": ["I want a refund for order {n}", "أريد استرداد المبلغ للطلب {n}",
               "پول سفارش {n} را برگردانید", "Θέλω επιστροφή χρημάτων για την {n}"],
    "billing": ["My bill {n} is wrong", "فاتورتي {n} خاطئة", "قبض {n} من اشتباه است",
                "Ο λογαριασμός {n} είναι λάθος"],
    "change_plan": ["Change my mobile plan please", "أريد تغيير باقة الجوال",
                    "بسته موبایلم را عوض کنید", "Θέλω να αλλάξω πρόγραμμα κινητού"],
    "cancel": ["Cancel my subscription", "ألغوا اشتراكي", "اشتراکم را لغو کنید",
               "Ακυρώστε τη συνδρομή μου"],
    "address": ["Change my delivery address", "غيروا عنوان التوصيل", "آدرس ارسال را عوض کنید",
                "Αλλάξτε τη διεύθυνση αποστολής"],
    "password": ["I forgot my password", "نسيت كلمة المرور", "رمزم را فراموش کردم",
                 "Ξέχασα τον κωδικό μου"],
    "outage": ["Internet down since {n} am", "الإنترنت مقطوع منذ الساعة {n}",
               "اینترنت از ساعت {n} قطع است", "Δεν έχω ίντερνετ από τις {n}"],
    "thanks": ["Thanks a lot 🙏", "شكراً جزيلاً ❤️", "خیلی ممنون 🌹", "Ευχαριστώ πολύ 👍"],
    "complaint": ["Worst service ever 😡", "أسوأ خدمة على الإطلاق", "بدترین پشتیبانی 😡",
                  "Η χειρότερη εξυπηρέτηση"],
    "human": ["Let me talk to a human", "أريد التحدث مع موظف", "با یک اپراتور صحبت کنم",
              "Θέλω να μιλήσω με υπάλληλο"],
    "invoice": ["Send invoice {n} to a@b.com", "أرسلوا الفاتورة {n} إلى a@b.com",
                "فاکتور {n} را به a@b.com بفرستید", "Στείλτε το τιμολόγιο {n} στο a@b.com"],
}
EXTRA = ["see https://shop.example/o/{n}", "asap", "!!", "🙏", "۱۲۳", "٤٥٦", "", "pls"]


def messages(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    templates = [text for texts in INTENTS.values() for text in texts]
    return [
        f"{rng.choice(templates)} {rng.choice(EXTRA)}".format(n=rng.randint(1, 99_999)).strip()
        for _ in range(count)
    ]


def paragraphs(count: int, seed: int = 11) -> list[str]:
    """Longer messages, three short ones joined (about 100–130 characters, like an e-mail's
    first paragraph or a chat message with context)."""
    short = messages(count * 3, seed)
    return [" ".join(short[at:at + 3]) for at in range(0, len(short), 3)]


def intent_model() -> TextClassifier:
    texts, labels = [], []
    for label, templates in INTENTS.items():
        for template in templates:
            for n in (1, 42, 777, 2024, 31_415):
                texts.append(template.format(n=n))
                labels.append(label)
    return TextClassifier.train(texts, labels)


def rate(run: Callable[[Sequence[str]], object], texts: list[str], batch: int) -> float:
    run(texts[:batch])  # warm: caches, lingua models
    started = time.perf_counter()
    for at in range(0, len(texts), batch):
        run(texts[at : at + batch])
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    texts = messages(args.messages)
    longer = paragraphs(args.messages // 2)
    sentiment = {lang: m for lang in ("en", "ar", "fa", "el")
                 if (m := starter_model("sentiment", lang))}
    emotion = {lang: m for lang in ("en", "ar", "fa", "el")
               if (m := starter_model("emotion", lang))}
    analyzer = Analyzer(sentiment=sentiment, emotion=emotion, intent=intent_model())
    with threadpool_limits(limits=1):
        figures = {
            "enrichment": rate(analyzer.analyze, texts, args.batch),
            "enrichment_long": rate(analyzer.analyze, longer, args.batch),
            "language": rate(detect_languages, texts, args.batch),
            "sentiment_en": rate(sentiment["en"].predict, texts, args.batch),
            "intent": rate(analyzer.intent.predict, texts, args.batch),  # type: ignore[union-attr]
        }
    average = sum(map(len, texts)) / len(texts)
    long_average = sum(map(len, longer)) / len(longer)
    print(f"{len(texts):,} short multilingual messages ({average:.0f} characters on average) "
          f"and {len(longer):,} longer ones ({long_average:.0f}), batches of {args.batch}, "
          "one core\n")
    print("| step | messages/s | floor |")
    print("|---|---:|---:|")
    labels = {
        "enrichment": "enrichment (language + sentiment + emotion + intent)",
        "enrichment_long": "enrichment, longer messages",
        "language": "language detection alone",
        "sentiment_en": "sentiment alone (English starter model, every message)",
        "intent": "intent alone (12 intents)",
    }
    for key, value in figures.items():
        floor = f"{FLOOR:,}" if key.startswith("enrichment") else ""
        mark = (" ✓" if value >= FLOOR else " ✗") if floor else ""
        print(f"| {labels[key]} | {value:,.0f}{mark} | {floor} |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as handle:
        line = {"kind": "mehvar_nlp", "messages": len(texts), "batch": args.batch,
                **{key: round(value, 1) for key, value in figures.items()}}
        handle.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    main()
