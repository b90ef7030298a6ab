"""Pardis Market's intents, the intent model trained from them and from the tagged demo
conversations, and every demo message enriched (language, sentiment, emotion, intent), all
through the intelligence services."""

from __future__ import annotations

from mehvar.accounts.models import Agent
from mehvar.intelligence.enrichment import backfill
from mehvar.intelligence.models import ModelTask
from mehvar.intelligence.services import intent_create
from mehvar.intelligence.training import model_train

# (code, name, conversation tag, examples in English, Arabic, Persian and Greek)
INTENTS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("late_delivery", "Late delivery", "late-delivery", (
        "My parcel still hasn't arrived", "Where is my order? It was due last week",
        "طلبي لم يصل حتى الآن", "متى سيصل الطرد؟ تأخر كثيراً",
        "سفارشم هنوز نرسیده", "بسته‌ام کی می‌رسد؟ خیلی دیر شده",
        "Η παραγγελία μου δεν έχει φτάσει ακόμα", "Πότε θα έρθει το δέμα μου;")),
    ("damaged_item", "Damaged item", "damaged-item", (
        "The item arrived broken", "The screen was cracked when I opened the box",
        "وصل المنتج مكسوراً", "العلبة كانت ممزقة والجهاز مخدوش",
        "کالا شکسته به دستم رسید", "صفحه گوشی ترک داشت",
        "Το προϊόν ήρθε σπασμένο", "Η συσκευασία ήταν κατεστραμμένη")),
    ("refund_request", "Refund", "refund-request", (
        "I want my money back", "Please refund my order",
        "أريد استرداد المبلغ", "متى يعود المبلغ إلى بطاقتي؟",
        "پولم را پس می‌خواهم", "لطفاً وجه سفارش را برگردانید",
        "Θέλω επιστροφή χρημάτων", "Πότε θα γίνει η επιστροφή στην κάρτα μου;")),
    ("wrong_size", "Wrong size or exchange", "wrong-size", (
        "The shoes are too small, can I exchange them?", "I need a bigger size",
        "المقاس صغير، أريد التبديل", "هل يمكن استبدال القميص بمقاس أكبر؟",
        "سایز کفش کوچک است، می‌خواهم عوض کنم", "یک سایز بزرگ‌تر لازم دارم",
        "Το νούμερο είναι μικρό, θέλω αλλαγή", "Μπορώ να το αλλάξω με μεγαλύτερο μέγεθος;")),
    ("billing_error", "Billing error", "billing-error", (
        "I was charged twice", "My bill is higher than it should be",
        "تم خصم المبلغ مرتين", "الفاتورة أعلى من المعتاد",
        "دو بار از حسابم کسر شده", "قبضم بیشتر از همیشه آمده",
        "Με χρέωσαν δύο φορές", "Ο λογαριασμός μου είναι λάθος")),
    ("mobile_data", "Mobile data", "mobile-data", (
        "My mobile data is not working", "The internet on my phone is very slow",
        "بيانات الجوال لا تعمل", "الإنترنت على هاتفي بطيء جداً",
        "اینترنت گوشی‌ام کار نمی‌کند", "بسته اینترنتم خیلی زود تمام شد",
        "Δεν έχω δεδομένα στο κινητό", "Το ίντερνετ στο κινητό είναι πολύ αργό")),
    ("sim_activation", "SIM activation", "sim-activation", (
        "My new SIM card is not activated", "The eSIM does not work",
        "لم يتم تفعيل الشريحة الجديدة", "شريحة eSIM لا تعمل",
        "سیم‌کارت جدیدم فعال نشده", "ای‌سیم کار نمی‌کند",
        "Η νέα κάρτα SIM δεν ενεργοποιήθηκε", "Η eSIM δεν λειτουργεί")),
    ("internet_outage", "Home internet outage", "internet-outage", (
        "The fibre internet at home is down", "No internet since this morning",
        "الإنترنت المنزلي مقطوع", "لا يوجد اتصال منذ الصباح",
        "اینترنت خانه قطع است", "از صبح اینترنت ندارم",
        "Δεν έχω ίντερνετ στο σπίτι", "Η σύνδεση έπεσε από το πρωί")),
    ("plan_upgrade", "Plan change", "plan-upgrade", (
        "I want to upgrade my plan", "Can I switch to the unlimited package?",
        "أريد ترقية باقتي", "هل يمكنني التحويل إلى الباقة غير المحدودة؟",
        "می‌خواهم طرحم را ارتقا بدهم", "می‌شود بسته‌ام را عوض کنم؟",
        "Θέλω να αναβαθμίσω το πρόγραμμά μου", "Μπορώ να αλλάξω σε απεριόριστο πακέτο;")),
    ("roaming_charges", "Roaming charges", "roaming-charges", (
        "Huge roaming charges on my bill", "I was charged for roaming abroad",
        "رسوم التجوال مرتفعة جداً", "تم احتساب تجوال أثناء سفري",
        "هزینه رومینگ خیلی زیاد است", "در سفر برای رومینگ پول کم شد",
        "Μεγάλες χρεώσεις περιαγωγής", "Με χρέωσαν περιαγωγή στο εξωτερικό")),
    ("password_reset", "Account access", "password-reset", (
        "I can't log in to my account", "The password reset email never comes",
        "لا أستطيع الدخول إلى حسابي", "رسالة إعادة تعيين كلمة المرور لا تصل",
        "نمی‌توانم وارد حسابم شوم", "ایمیل بازیابی رمز نمی‌آید",
        "Δεν μπορώ να συνδεθώ στον λογαριασμό", "Δεν έρχεται το email επαναφοράς κωδικού")),
    ("praise", "Praise", "praise", (
        "Thank you, great service!", "Your agent was really helpful",
        "شكراً على الخدمة الرائعة", "الموظف كان متعاوناً جداً",
        "ممنون از پشتیبانی عالی", "همکارتان خیلی کمک کرد",
        "Ευχαριστώ για την εξαιρετική εξυπηρέτηση", "Ο υπάλληλος ήταν πολύ εξυπηρετικός")),
    ("staff_complaint", "Complaint about staff", "staff-complaint", (
        "The agent was rude to me", "Your staff hung up on me",
        "الموظف كان وقحاً معي", "أغلق الموظف الخط في وجهي",
        "کارمندتان با من بی‌ادبانه رفتار کرد", "پشتیبان تلفن را قطع کرد",
        "Ο υπάλληλος ήταν αγενής", "Μου έκλεισαν το τηλέφωνο")),
    ("warranty_claim", "Warranty", "warranty-claim", (
        "My laptop stopped working, it's under warranty", "Is this covered by the warranty?",
        "الجهاز تعطل وهو ضمن الضمان", "هل الضمان يغطي هذا العطل؟",
        "لپ‌تاپم خراب شده و گارانتی دارد", "این خرابی شامل گارانتی می‌شود؟",
        "Χάλασε η συσκευή και έχει εγγύηση", "Καλύπτεται από την εγγύηση;")),
)


def build_intelligence(admin: Agent) -> int:
    """The intents and their model, then every demo message enriched; how many were."""
    for name, label, tag, examples in INTENTS:
        intent_create(actor=admin, name=name, label=label, tag=tag, examples=examples)
    model_train(actor=admin, task=ModelTask.INTENT)
    return backfill()
