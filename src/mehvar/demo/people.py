"""The people of Pardis Market (fiction): staff, teams, business customers, and the name lists
and countries that customers are drawn from.

Each name carries its Latin spelling (for e-mail addresses and Telegram handles); Greek names
also carry the vocative used in greetings (Γιώργο, κύριε Παπαδόπουλε) and the female surname.
"""

from __future__ import annotations

from dataclasses import dataclass

ADMIN_PASSWORD = "mehvar-admin"  # printed at the end: demo data only
STAFF_PASSWORD = "mehvar-agent"


@dataclass(frozen=True)
class StaffMember:
    username: str
    display_name: str
    role: str
    language: str
    time_zone: str
    curt: bool = False  # answers with copy-paste one-liners more often (for quality review)


STAFF: tuple[StaffMember, ...] = (
    StaffMember("admin", "Daniel Whitaker", "admin", "en", "Europe/London"),
    StaffMember("supervisor", "نادية الحداد", "supervisor", "ar", "Asia/Dubai"),
    StaffMember("analyst", "آرمان یزدانی", "analyst", "fa", "Asia/Tehran"),
    StaffMember("omar", "عمر الشامسي", "agent", "ar", "Asia/Dubai"),
    StaffMember("fatima", "فاطمة العتيبي", "agent", "ar", "Asia/Riyadh"),
    StaffMember("khalid", "خالد الحربي", "agent", "ar", "Asia/Riyadh", curt=True),
    StaffMember("reza", "رضا کریمی", "agent", "fa", "Asia/Tehran"),
    StaffMember("maryam", "مریم حسینی", "agent", "fa", "Asia/Tehran"),
    StaffMember("niloufar", "نیلوفر رحیمی", "agent", "fa", "Asia/Dubai"),
    StaffMember("nikos", "Νίκος Παπαδάκης", "agent", "el", "Europe/Athens"),
    StaffMember("eleni", "Ελένη Γεωργίου", "agent", "el", "Europe/Athens"),
    StaffMember("katerina", "Κατερίνα Βλάχου", "agent", "el", "Europe/Athens", curt=True),
    StaffMember("james", "James Holloway", "agent", "en", "Europe/London", curt=True),
    StaffMember("priya", "Priya Sharma", "agent", "en", "Europe/London"),
    StaffMember("sophie", "Sophie Turner", "agent", "en", "Asia/Dubai"),
)


@dataclass(frozen=True)
class TeamSpec:
    name: str
    description: str
    lead: str
    members: tuple[str, ...]


TEAMS: tuple[TeamSpec, ...] = (
    TeamSpec("Orders & delivery", "Tracking, late and damaged parcels, couriers.", "omar",
             ("omar", "maryam", "nikos", "james", "sophie")),
    TeamSpec("Telecom support", "Mobile data, SIM and eSIM, home internet, plan changes.",
             "reza", ("reza", "khalid", "eleni", "priya", "niloufar")),
    TeamSpec("Billing", "Invoices, double charges, roaming, refunds to cards.", "fatima",
             ("fatima", "niloufar", "katerina", "priya")),
    TeamSpec("VIP desk", "Platinum and gold customers, escalations and complaints.",
             "supervisor", ("supervisor", "james", "eleni", "omar", "maryam")),
    TeamSpec("Returns", "Exchanges, returns, refunds and warranty repairs.", "maryam",
             ("maryam", "katerina", "sophie", "khalid", "fatima")),
)


@dataclass(frozen=True)
class OrganizationSpec:
    name: str
    domain: str
    language: str
    country: str
    industry: str


ORGANIZATIONS: tuple[OrganizationSpec, ...] = (
    OrganizationSpec("شركة الواحة للتجارة", "alwaha-trading.ae", "ar", "AE", "wholesale"),
    OrganizationSpec("Zagros Logistics", "zagros-logistics.ir", "fa", "IR", "logistics"),
    OrganizationSpec("Aegean Blue Hotels", "aegeanblue.gr", "el", "GR", "hospitality"),
    OrganizationSpec("Thames Dental Group", "thamesdental.co.uk", "en", "GB", "healthcare"),
    OrganizationSpec("مؤسسة النخبة للمقاولات", "alnukhba.sa", "ar", "SA", "construction"),
    OrganizationSpec("گروه رستوران\u200cهای سپیدار", "sepidar-food.ir", "fa", "IR", "restaurants"),
    OrganizationSpec("Brightwell Events Ltd", "brightwell-events.co.uk", "en", "GB", "events"),
    OrganizationSpec("Ελαιώνες Μεσσηνίας Α.Ε.", "elaiones-messinias.gr", "el", "GR", "food"),
)


@dataclass(frozen=True)
class Country:
    code: str
    time_zone: str
    dial: str
    mobile_prefixes: tuple[str, ...]
    digits: int  # after the prefix


COUNTRIES: dict[str, Country] = {
    "GB": Country("GB", "Europe/London", "+44",
                  ("7412", "7538", "7824", "7956", "7723", "7480", "7392", "7305"), 6),
    "AE": Country("AE", "Asia/Dubai", "+971", ("50", "52", "54", "55", "56", "58"), 7),
    "SA": Country("SA", "Asia/Riyadh", "+966", ("50", "53", "54", "55", "56", "58", "59"), 7),
    "IR": Country("IR", "Asia/Tehran", "+98",
                  ("912", "913", "935", "936", "919", "921", "901", "990", "938"), 7),
    "GR": Country("GR", "Europe/Athens", "+30", ("690", "693", "694", "695", "697", "698",
                                                  "699"), 7),
    "CY": Country("CY", "Asia/Nicosia", "+357", ("96", "97", "99", "94", "95"), 6),
}

# language -> ((country, weight), ...): where the customers who write in it live.
LANGUAGE_COUNTRIES: dict[str, tuple[tuple[str, int], ...]] = {
    "en": (("GB", 80), ("AE", 20)),
    "ar": (("AE", 55), ("SA", 45)),
    "fa": (("IR", 85), ("AE", 15)),
    "el": (("GR", 88), ("CY", 12)),
}
LANGUAGE_WEIGHTS: tuple[tuple[str, int], ...] = (("en", 35), ("ar", 25), ("fa", 20), ("el", 20))

# (native, latin)
Name = tuple[str, str]

FIRST_NAMES: dict[str, dict[str, tuple[Name, ...]]] = {
    "en": {
        "m": (("James", "james"), ("Oliver", "oliver"), ("Harry", "harry"), ("George", "george"),
              ("Thomas", "thomas"), ("Daniel", "daniel"), ("Jack", "jack"), ("Samuel", "sam"),
              ("Ben", "ben"), ("Adam", "adam"), ("Ryan", "ryan"), ("Imran", "imran"),
              ("Callum", "callum"), ("Owen", "owen")),
        "f": (("Emily", "emily"), ("Sophie", "sophie"), ("Olivia", "olivia"),
              ("Charlotte", "charlotte"), ("Amelia", "amelia"), ("Jessica", "jess"),
              ("Hannah", "hannah"), ("Lucy", "lucy"), ("Grace", "grace"), ("Chloe", "chloe"),
              ("Priya", "priya"), ("Aisha", "aisha"), ("Megan", "megan"), ("Niamh", "niamh")),
    },
    "ar": {
        "m": (("محمد", "mohammed"), ("أحمد", "ahmed"), ("خالد", "khalid"),
              ("عبدالله", "abdullah"), ("سعود", "saud"), ("فيصل", "faisal"), ("عمر", "omar"),
              ("يوسف", "yousef"), ("حمد", "hamad"), ("سلطان", "sultan"), ("راشد", "rashid"),
              ("ماجد", "majid"), ("طارق", "tariq"), ("إبراهيم", "ibrahim")),
        "f": (("فاطمة", "fatima"), ("مريم", "mariam"), ("نورة", "noura"), ("عائشة", "aisha"),
              ("سارة", "sara"), ("ريم", "reem"), ("لطيفة", "latifa"), ("هند", "hind"),
              ("شيخة", "shaikha"), ("دانة", "dana"), ("لولوة", "lulwa"), ("أمل", "amal"),
              ("جواهر", "jawaher")),
    },
    "fa": {
        "m": (("علی", "ali"), ("محمد", "mohammad"), ("رضا", "reza"), ("حسین", "hossein"),
              ("مهدی", "mehdi"), ("امیر", "amir"), ("سعید", "saeed"), ("حمید", "hamid"),
              ("پویا", "pouya"), ("آرش", "arash"), ("کاوه", "kaveh"), ("بهرام", "bahram"),
              ("فرهاد", "farhad"), ("مازیار", "maziar")),
        "f": (("مریم", "maryam"), ("زهرا", "zahra"), ("فاطمه", "fatemeh"), ("نگار", "negar"),
              ("سارا", "sara"), ("نازنین", "nazanin"), ("لیلا", "leila"), ("شیرین", "shirin"),
              ("پریسا", "parisa"), ("الهام", "elham"), ("مهسا", "mahsa"), ("ترانه", "taraneh"),
              ("یاسمن", "yasaman"), ("آیدا", "aida")),
    },
}
# Greek: (nominative, vocative, latin)
GREEK_FIRST_NAMES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "m": (("Γιώργος", "Γιώργο", "giorgos"), ("Νίκος", "Νίκο", "nikos"),
          ("Δημήτρης", "Δημήτρη", "dimitris"), ("Κώστας", "Κώστα", "kostas"),
          ("Γιάννης", "Γιάννη", "giannis"), ("Παναγιώτης", "Παναγιώτη", "panagiotis"),
          ("Χρήστος", "Χρήστο", "christos"), ("Βασίλης", "Βασίλη", "vasilis"),
          ("Αλέξανδρος", "Αλέξανδρε", "alexandros"), ("Σπύρος", "Σπύρο", "spyros"),
          ("Μιχάλης", "Μιχάλη", "michalis"), ("Θανάσης", "Θανάση", "thanasis")),
    "f": (("Μαρία", "Μαρία", "maria"), ("Ελένη", "Ελένη", "eleni"),
          ("Κατερίνα", "Κατερίνα", "katerina"), ("Βασιλική", "Βασιλική", "vasiliki"),
          ("Σοφία", "Σοφία", "sofia"), ("Αγγελική", "Αγγελική", "angeliki"),
          ("Δήμητρα", "Δήμητρα", "dimitra"), ("Γεωργία", "Γεωργία", "georgia"),
          ("Χριστίνα", "Χριστίνα", "christina"), ("Ειρήνη", "Ειρήνη", "eirini"),
          ("Αναστασία", "Αναστασία", "anastasia"), ("Δέσποινα", "Δέσποινα", "despoina")),
}

LAST_NAMES: dict[str, tuple[Name, ...]] = {
    "en": (("Smith", "smith"), ("Jones", "jones"), ("Taylor", "taylor"), ("Brown", "brown"),
           ("Williams", "williams"), ("Wilson", "wilson"), ("Johnson", "johnson"),
           ("Davies", "davies"), ("Evans", "evans"), ("Roberts", "roberts"),
           ("Walker", "walker"), ("Wright", "wright"), ("Patel", "patel"), ("Khan", "khan"),
           ("Hughes", "hughes"), ("Clarke", "clarke"), ("Green", "green"), ("Hall", "hall"),
           ("O'Brien", "obrien"), ("MacLeod", "macleod")),
    "ar": (("المنصوري", "almansoori"), ("الشامسي", "alshamsi"), ("الكعبي", "alkaabi"),
           ("الظاهري", "aldhaheri"), ("النعيمي", "alnuaimi"), ("الهاشمي", "alhashimi"),
           ("العتيبي", "alotaibi"), ("الشمري", "alshammari"), ("القحطاني", "alqahtani"),
           ("الحربي", "alharbi"), ("الدوسري", "aldossari"), ("الغامدي", "alghamdi"),
           ("الزهراني", "alzahrani"), ("المطيري", "almutairi"), ("السويدي", "alsuwaidi")),
    "fa": (("محمدی", "mohammadi"), ("حسینی", "hosseini"), ("رضایی", "rezaei"),
           ("کریمی", "karimi"), ("احمدی", "ahmadi"), ("موسوی", "mousavi"), ("جعفری", "jafari"),
           ("صادقی", "sadeghi"), ("قاسمی", "ghasemi"), ("رحیمی", "rahimi"), ("نوری", "nouri"),
           ("کاظمی", "kazemi"), ("تهرانی", "tehrani"), ("شیرازی", "shirazi"),
           ("مرادی", "moradi"), ("فراهانی", "farahani"), ("یزدانی", "yazdani"),
           ("کیانی", "kiani"), ("زمانی", "zamani"), ("اکبری", "akbari")),
}
# Greek: (male, male vocative, female, latin male, latin female)
GREEK_LAST_NAMES: tuple[tuple[str, str, str, str, str], ...] = (
    ("Παπαδόπουλος", "Παπαδόπουλε", "Παπαδοπούλου", "papadopoulos", "papadopoulou"),
    ("Παπαδάκης", "Παπαδάκη", "Παπαδάκη", "papadakis", "papadaki"),
    ("Γεωργίου", "Γεωργίου", "Γεωργίου", "georgiou", "georgiou"),
    ("Νικολάου", "Νικολάου", "Νικολάου", "nikolaou", "nikolaou"),
    ("Οικονόμου", "Οικονόμου", "Οικονόμου", "oikonomou", "oikonomou"),
    ("Καραγιάννης", "Καραγιάννη", "Καραγιάννη", "karagiannis", "karagianni"),
    ("Βλάχος", "Βλάχο", "Βλάχου", "vlachos", "vlachou"),
    ("Αντωνίου", "Αντωνίου", "Αντωνίου", "antoniou", "antoniou"),
    ("Μακρής", "Μακρή", "Μακρή", "makris", "makri"),
    ("Δημητρίου", "Δημητρίου", "Δημητρίου", "dimitriou", "dimitriou"),
    ("Κωνσταντινίδης", "Κωνσταντινίδη", "Κωνσταντινίδου", "konstantinidis", "konstantinidou"),
    ("Σταυρόπουλος", "Σταυρόπουλε", "Σταυροπούλου", "stavropoulos", "stavropoulou"),
    ("Πετρόπουλος", "Πετρόπουλε", "Πετροπούλου", "petropoulos", "petropoulou"),
    ("Μιχαηλίδης", "Μιχαηλίδη", "Μιχαηλίδου", "michailidis", "michailidou"),
    ("Αλεξίου", "Αλεξίου", "Αλεξίου", "alexiou", "alexiou"),
    ("Ζαχαρίου", "Ζαχαρίου", "Ζαχαρίου", "zachariou", "zachariou"),
)

EMAIL_DOMAINS: dict[str, tuple[str, ...]] = {
    "en": ("gmail.com", "outlook.com", "yahoo.co.uk", "icloud.com", "btinternet.com"),
    "ar": ("gmail.com", "hotmail.com", "outlook.com", "yahoo.com", "icloud.com"),
    "fa": ("gmail.com", "yahoo.com", "chmail.ir", "outlook.com"),
    "el": ("gmail.com", "yahoo.gr", "hotmail.com", "otenet.gr", "outlook.com"),
}
