"""Shape and name pools for bench/seed.py (the message texts come from the peer's pools)."""

# fmt: off
STATUS_WEIGHTS = [("open", 40), ("pending", 5), ("solved", 30), ("closed", 25)]
PRIORITY_WEIGHTS = [("low", 10), ("normal", 60), ("high", 20), ("urgent", 10)]
CHANNEL_WEIGHTS = [("email", 50), ("webchat", 20), ("whatsapp", 15), ("telegram", 5),
                   ("phone", 5), ("sms", 5)]
TIER_WEIGHTS = [("standard", 70), ("silver", 18), ("gold", 9), ("platinum", 3)]
STAGE_WEIGHTS = [("active", 60), ("onboarding", 10), ("at_risk", 12), ("churned", 8),
                 ("won_back", 5), ("prospect", 5)]
SEGMENTS = ["vip", "b2b", "newsletter", "mobile-app", "early-adopter", "reseller"]
TAGS = ["billing", "refund", "delivery", "login", "bug", "vip", "complaint", "praise",
        "subscription", "android", "ios", "invoice", "damaged", "feature-request",
        "password", "payment-method", "late-delivery", "2fa", "address-change", "escalated",
        "فاتورة", "استرداد", "بازگشت-وجه", "επιστροφή"]
TIME_ZONES = {"en": ["Europe/London", "America/New_York"], "ar": ["Asia/Dubai", "Africa/Cairo"],
              "fa": ["Asia/Tehran"], "el": ["Europe/Athens", "Asia/Nicosia"]}
# (as written, ASCII for the e-mail address)
FIRST_NAMES = {
    "en": [("Sarah", "sarah"), ("James", "james"), ("Emily", "emily"), ("Daniel", "daniel"),
           ("Olivia", "olivia"), ("Michael", "michael")],
    "ar": [("ليلى", "layla"), ("أحمد", "ahmad"), ("فاطمة", "fatima"), ("يوسف", "yousef"),
           ("مريم", "maryam"), ("خالد", "khaled")],
    "fa": [("فاطمه", "fatemeh"), ("علی", "ali"), ("زهرا", "zahra"), ("امید", "omid"),
           ("مریم", "maryam"), ("رضا", "reza")],
    "el": [("Ελένη", "eleni"), ("Νίκος", "nikos"), ("Μαρία", "maria"), ("Γιώργος", "giorgos"),
           ("Κατερίνα", "katerina"), ("Δημήτρης", "dimitris")],
}
LAST_NAMES = {
    "en": [("Miller", "miller"), ("Clarke", "clarke"), ("Patel", "patel"),
           ("Johnson", "johnson"), ("Wright", "wright")],
    "ar": [("حداد", "haddad"), ("الخطيب", "alkhatib"), ("منصور", "mansour"),
           ("العلي", "alali"), ("ناصر", "nasser")],
    "fa": [("رضایی", "rezaei"), ("محمدی", "mohammadi"), ("کریمی", "karimi"),
           ("حسینی", "hosseini"), ("احمدی", "ahmadi")],
    "el": [("Δημητρίου", "dimitriou"), ("Οικονόμου", "oikonomou"), ("Γεωργίου", "georgiou"),
           ("Αλεξίου", "alexiou"), ("Νικολάου", "nikolaou")],
}
ORG_WORDS = ["Trading", "Logistics", "Telecom", "Retail", "Foods", "Travel", "Studio", "Labs"]
DOMAINS = ["example.com", "example.org", "mail.example.net"]
AGENT_NAMES = [("Leila", "leila"), ("Nikos", "nikos"), ("Sara", "sara"), ("Reza", "reza"),
               ("Omar", "omar")]
# fmt: on
