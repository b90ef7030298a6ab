"""Customer pages: the list and search, the 360 page and panel, edit, notes, identities,
duplicates and the merge preview; safe multilingual rendering, refused roles, query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import Client

from mehvar.accounts.models import Agent, AuditLogEntry
from mehvar.accounts.services import agent_set_preferences
from mehvar.conversations.models import Conversation
from mehvar.conversations.services.conversations import conversation_create
from mehvar.core.models import TimelineEvent
from mehvar.customers.models import Customer, Identity
from mehvar.customers.selectors import customer_360
from mehvar.customers.services import (
    customer_create,
    customer_merge,
    identity_add,
    organization_create,
)
from mehvar.web.customers import MAX_ORGANIZATION_CHOICES
from tests.customers.helpers import insert_conversation
from tests.factories.customers import CustomerFactory, IdentityFactory, OrganizationFactory
from tests.web.helpers import browser

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>\u202egnp.exe"



def names(response) -> set[str]:
    return {customer.name for customer in response.context["page"].items}


@pytest.fixture
def fatemeh(agent: Agent) -> Customer:
    return customer_create(
        actor=agent, name="فاطمه احمدی", language="fa", time_zone="Asia/Tehran", tier="gold",
        journey_stage="at_risk", segment_tags=["وفادار", "VIP"], lifetime_value="1250.50",
        cost_to_serve="80", notes="ترجیح می‌دهد با واتس‌اپ تماس بگیریم.",
        identities=[("email", "fatemeh@example.com"), ("phone", "+98 912 345 6789")])


# --- the list ------------------------------------------------------------------------------


def test_list_shows_arabic_persian_and_greek_customers(agent, fatemeh) -> None:
    customer_create(actor=agent, name="محمد العبدالله")
    customer_create(actor=agent, name="Γιώργος Παπαδόπουλος")
    response = browser(agent).get("/customers")
    assert response.status_code == 200
    assert names(response) == {"فاطمه احمدی", "محمد العبدالله", "Γιώργος Παπαδόπουλος"}
    html = response.content.decode()
    assert '<bdi dir="auto">فاطمه احمدی</bdi>' in html
    assert '<bdi dir="ltr">+989123456789</bdi>' in html
    assert f'href="/customers/{fatemeh.pk}"' in html


@pytest.mark.parametrize(("query", "expected"), [
    ("+۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹", {"فاطمه احمدی"}),       # the phone typed with Persian digits
    ("FATEMEH@example.com", {"فاطمه احمدی"}),     # an email in capitals
    ("فاطمه", {"فاطمه احمدی"}),                    # part of the name
    ("γιωργος", {"Γιώργος Παπαδόπουλος"}),         # Greek without accents, lower case
    ("nobody@example.com", set()),
])
def test_search_by_name_or_any_identity(agent, fatemeh, query: str, expected: set[str]) -> None:
    customer_create(actor=agent, name="Γιώργος Παπαδόπουλος",
                    identities=[("email", "giorgos@example.gr")])
    response = browser(agent).get("/customers", {"q": query})
    assert response.status_code == 200
    assert names(response) == expected


def test_filters_by_tier_stage_and_organization(agent, fatemeh) -> None:
    organization = organization_create(actor=agent, name="شركة النخيل")
    customer_create(actor=agent, name="نورة القحطاني", tier="gold", organization_id=organization.pk)
    customer_create(actor=agent, name="Ελένη", tier="silver")
    client = browser(agent)
    assert names(client.get("/customers?tier=gold")) == {"فاطمه احمدی", "نورة القحطاني"}
    assert names(client.get("/customers?journey_stage=at_risk")) == {"فاطمه احمدی"}
    response = client.get(f"/customers?organization={organization.pk}&tier=gold")
    assert names(response) == {"نورة القحطاني"}
    assert "شركة النخيل" in response.content.decode()


@pytest.mark.parametrize("query", ["tier=diamond", "journey_stage=asleep", "organization=abc",
                                   "organization=۱۲", "cursor=%%%"])
def test_bad_filters_are_a_clear_400(agent, query: str) -> None:
    response = browser(agent).get(f"/customers?{query}")
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_unknown_organization_filter_is_a_404(agent) -> None:
    response = browser(agent).get("/customers?organization=999999")
    assert response.status_code == 404
    assert "No organization has this id." in response.content.decode()


def test_pages_follow_the_keyset_cursor_without_repeats(agent) -> None:
    CustomerFactory.create_batch(30)
    client = browser(agent)
    first = client.get("/customers")
    assert len(first.context["page"].items) == 25
    second = client.get("/customers" + first.context["next_url"])
    assert len(second.context["page"].items) == 5
    ids = [row.pk for row in [*first.context["page"].items, *second.context["page"].items]]
    assert len(set(ids)) == 30
    assert second.context["next_url"] == ""


def test_merged_customers_are_not_listed(agent, supervisor, fatemeh) -> None:
    other = customer_create(actor=agent, name="فاطمه احمدی")
    customer_merge(actor=supervisor, source=other, target=fatemeh)
    assert [row.pk for row in browser(agent).get("/customers").context["page"].items] == [
        fatemeh.pk]


@pytest.mark.parametrize("size", [3, 20])
def test_list_query_count_does_not_grow(agent, django_assert_num_queries, size: int) -> None:
    organization = OrganizationFactory()
    for customer in CustomerFactory.create_batch(size, organization=organization):
        IdentityFactory(customer=customer)
        IdentityFactory(customer=customer, kind="phone", value=f"+3069{customer.pk:08d}")
    client = browser(agent)
    client.get("/customers")  # warm-up
    # session, agent, customers with organization, identities
    with django_assert_num_queries(4):
        response = client.get("/customers?tier=standard")
    assert len(response.context["page"].items) == size


def test_signed_out_visitors_are_sent_to_sign_in() -> None:
    response = Client().get("/customers")
    assert response.status_code == 302
    assert response["Location"].startswith("/signin")


# --- the 360 page and panel ----------------------------------------------------------------


def test_customer_page_shows_the_whole_360(agent, fatemeh) -> None:
    email = conversation_create(actor=agent, subject="سفارشم نرسیده", channel="email",
                                text="سلام", customer_id=fatemeh.pk)
    chat = conversation_create(actor=agent, subject="Η παραγγελία μου", channel="whatsapp",
                               text="Γεια", customer_id=fatemeh.pk)
    response = browser(agent).get(f"/customers/{fatemeh.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("فاطمه احمدی", "Asia/Tehran", "Gold", "At risk", "1250.50", "80.00", "وفادار",
                 "fatemeh@example.com", "+989123456789", "سفارشم نرسیده", "Η παραγγελία μου",
                 "ترجیح می‌دهد با واتس‌اپ تماس بگیریم.", "Customer created", "Email 1",
                 "WhatsApp 1"):
        assert text in html, text
    assert f'href="/conversations/{email.pk}"' in html
    assert f'href="/conversations/{chat.pk}"' in html
    assert f'href="/customers/{fatemeh.pk}/edit"' in html
    assert f'href="/customers/{fatemeh.pk}/duplicates"' in html


def test_panel_marks_the_current_conversation_without_queries(
    agent, fatemeh, django_assert_num_queries,
) -> None:
    current = conversation_create(actor=agent, subject="این یکی", channel="email", text="سلام",
                                  customer_id=fatemeh.pk)
    conversation_create(actor=agent, subject="Άλλη", channel="telegram", text="Γεια",
                        customer_id=fatemeh.pk)
    c360 = customer_360(actor=agent, customer_id=fatemeh.pk)
    with django_assert_num_queries(0):
        html = render_to_string("web/customers/panel.html",
                                {"c360": c360, "current_conversation_id": current.pk})
    assert html.count('aria-current="true"') == 1
    assert html.index("Άλλη") < html.index('aria-current="true"') < html.index("این یکی")
    assert "This conversation" in html


def test_analyst_sees_the_page_without_edit_controls(analyst, fatemeh) -> None:
    html = browser(analyst).get(f"/customers/{fatemeh.pk}").content.decode()
    assert "فاطمه احمدی" in html
    assert f"/customers/{fatemeh.pk}/edit" not in html
    assert f'action="/customers/{fatemeh.pk}/notes"' not in html
    assert "Your role can read the notes but not change them." in html


@pytest.mark.parametrize("path", ["/customers/999999", "/customers/999999/edit",
                                  "/customers/999999/duplicates"])
def test_unknown_customer_is_a_404_with_a_message(agent, path: str) -> None:
    response = browser(agent).get(path)
    assert response.status_code == 404
    assert "No customer has this id." in response.content.decode()


def test_negative_ids_are_not_found(agent) -> None:
    assert browser(agent).get("/customers/-1").status_code == 404


@pytest.mark.parametrize("query", ["conversations_cursor=nope", "timeline_cursor=%%%"])
def test_bad_cursor_on_the_customer_page_is_a_400(agent, fatemeh, query: str) -> None:
    response = browser(agent).get(f"/customers/{fatemeh.pk}?{query}")
    assert response.status_code == 400
    assert "The cursor is not valid." in response.content.decode()


def test_a_merged_customer_redirects_to_the_survivor(agent, supervisor, fatemeh) -> None:
    other = customer_create(actor=agent, name="Fatemeh A.")
    customer_merge(actor=supervisor, source=other, target=fatemeh)
    response = browser(agent).get(f"/customers/{other.pk}")
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{fatemeh.pk}"


@pytest.mark.parametrize("size", [2, 15])
def test_customer_page_query_count_does_not_grow(
    agent, fatemeh, django_assert_num_queries, size: int,
) -> None:
    for number in range(size):
        insert_conversation(customer=fatemeh, subject=f"گفتگو {number}",
                            channel=("email", "sms", "whatsapp")[number % 3])
        identity_add(actor=agent, customer=fatemeh, kind="email", value=f"f{number}@example.com")
    client = browser(agent)
    client.get(f"/customers/{fatemeh.pk}")  # warm-up
    # session, agent; customer with organization, identities; conversations; counts;
    # timeline; waiting time; sentiment trend
    with django_assert_num_queries(9):
        response = client.get(f"/customers/{fatemeh.pk}")
    assert len(response.context["c360"].conversations.items) == size


def test_hostile_names_and_notes_are_escaped_and_isolated(agent, supervisor) -> None:
    organization = organization_create(actor=agent, name="<b>org</b>")
    hostile = CustomerFactory(name=HOSTILE, notes="<img src=x onerror=alert(1)>",
                              segment_tags=["<i>tag</i>"], organization=organization)
    target = customer_create(actor=agent, name="Ελένη", identities=[("email", "x@example.com")])
    IdentityFactory(customer=hostile, kind="external", value="<svg onload=alert(1)>",
                    match_key="ext")
    client = browser(supervisor)
    pages = [client.get(path).content.decode() for path in (
        "/customers", f"/customers/{hostile.pk}", f"/customers/{hostile.pk}/duplicates",
        f"/customers/{hostile.pk}/merge/{target.pk}", f"/customers/{hostile.pk}/edit")]
    for html in pages:
        assert "<script>alert(1)" not in html
        assert "<img src=x" not in html
        assert "<svg onload" not in html
        assert "<b>org</b>" not in html
    assert '<bdi dir="auto">&lt;script&gt;alert(1)&lt;/script&gt;\u202egnp.exe</bdi>' in pages[0]
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[1]
    assert "&lt;i&gt;tag&lt;/i&gt;" in pages[1]


# --- edit, notes, identities ---------------------------------------------------------------


def form_data(customer: Customer, **changes: str) -> dict[str, str]:
    data = {"name": customer.name, "language": customer.language,
            "time_zone": customer.time_zone, "tier": customer.tier,
            "journey_stage": customer.journey_stage,
            "segment_tags": ", ".join(customer.segment_tags),
            "lifetime_value": str(customer.lifetime_value),
            "cost_to_serve": str(customer.cost_to_serve),
            "organization": str(customer.organization_id or ""), "notes": customer.notes}
    return {**data, **changes}


def test_agent_edits_the_profile(agent, fatemeh) -> None:
    organization = organization_create(actor=agent, name="Αθηναϊκή Τηλεπικοινωνίες")
    client = browser(agent)
    assert client.get(f"/customers/{fatemeh.pk}/edit").status_code == 200
    response = client.post(f"/customers/{fatemeh.pk}/edit", form_data(
        fatemeh, name="فاطمه  احمدی‌نژاد", tier="platinum", segment_tags="وفادار، طلایی, VIP",
        lifetime_value="۲۵۰۰.۷۵", organization=str(organization.pk), language="fa-IR"))
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{fatemeh.pk}"
    fatemeh.refresh_from_db()
    assert (fatemeh.name, fatemeh.tier, fatemeh.segment_tags, fatemeh.lifetime_value,
            fatemeh.organization_id, fatemeh.language) == (
        "فاطمه احمدی‌نژاد", "platinum", ["وفادار", "طلایی", "VIP"], Decimal("2500.75"),
        organization.pk, "fa-IR")
    event = TimelineEvent.objects.filter(customer=fatemeh, verb="customer.updated").get()
    assert event.after["tier"] == "platinum"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("language", "not a language!", "Enter a language code such as fa or ar-EG."),
    ("time_zone", "Mars/Olympus", "Enter a time zone such as Asia/Tehran."),
    ("lifetime_value", "-5", "Enter an amount between 0 and 999999999999.99."),
    ("name", "", "This field is required."),
    ("name", "bad\u202ename", "Enter text without control characters."),
    ("tier", "diamond", "Select a valid choice. diamond is not one of the available choices."),
    ("organization", "999999", "Select a valid choice. 999999 is not one of the available "
                               "choices."),
])
def test_invalid_edits_are_a_400_beside_the_field_and_change_nothing(
    agent, fatemeh, field: str, value: str, message: str,
) -> None:
    before = Customer.objects.values().get(pk=fatemeh.pk)
    response = browser(agent).post(f"/customers/{fatemeh.pk}/edit",
                                   form_data(fatemeh, **{field: value}))
    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    assert '<p class="field-error" role="alert">' in response.content.decode()
    assert Customer.objects.values().get(pk=fatemeh.pk) == before


def test_analyst_cannot_edit(analyst, fatemeh) -> None:
    before = Customer.objects.values().get(pk=fatemeh.pk)
    client = browser(analyst)
    page = client.get(f"/customers/{fatemeh.pk}/edit")
    assert page.status_code == 403
    assert "Your role can view customers but not edit them." in page.content.decode()
    refused = client.post(f"/customers/{fatemeh.pk}/edit", form_data(fatemeh, tier="silver"))
    assert refused.status_code == 403
    assert "Your role does not allow this action (customer.update)." in refused.content.decode()
    notes = client.post(f"/customers/{fatemeh.pk}/notes", {"notes": "x"})
    assert notes.status_code == 403
    assert Customer.objects.values().get(pk=fatemeh.pk) == before


def test_agent_saves_notes_from_the_customer_page(agent, fatemeh) -> None:
    response = browser(agent).post(f"/customers/{fatemeh.pk}/notes",
                                   {"notes": "Προτιμά email.\nΌχι τηλεφωνήματα."})
    assert response.status_code == 302
    fatemeh.refresh_from_db()
    assert fatemeh.notes == "Προτιμά email.\nΌχι τηλεφωνήματα."


def test_notes_with_control_characters_are_a_400(agent, fatemeh) -> None:
    response = browser(agent).post(f"/customers/{fatemeh.pk}/notes", {"notes": "a\x07b"})
    assert response.status_code == 400
    assert "Enter text without control characters." in response.content.decode()
    fatemeh.refresh_from_db()
    assert fatemeh.notes == "ترجیح می‌دهد با واتس‌اپ تماس بگیریم."


def test_agent_adds_and_removes_identities(agent, fatemeh) -> None:
    client = browser(agent)
    response = client.post(f"/customers/{fatemeh.pk}/identities",
                           {"kind": "whatsapp", "value": "+۹۶۶ ۵۰ ۱۲۳ ۴۵۶۷"})
    assert response.status_code == 302
    added = Identity.objects.get(customer=fatemeh, kind="whatsapp")
    assert added.value == "+966501234567"
    response = client.post(f"/customers/{fatemeh.pk}/identities/{added.pk}/remove")
    assert response.status_code == 302
    assert not Identity.objects.filter(pk=added.pk).exists()


def test_an_identity_of_another_customer_is_refused(agent, fatemeh) -> None:
    other = customer_create(actor=agent, name="Νίκος", identities=[("email", "nikos@example.gr")])
    response = browser(agent).post(f"/customers/{fatemeh.pk}/identities",
                                   {"kind": "email", "value": "Nikos@Example.gr"})
    assert response.status_code == 409
    assert "Another customer already has this identity." in response.content.decode()
    assert list(Identity.objects.filter(value="nikos@example.gr").values_list(
        "customer_id", flat=True)) == [other.pk]


@pytest.mark.parametrize("data", [{"kind": "pigeon", "value": "x"},
                                  {"kind": "email", "value": "not an email"},
                                  {"kind": "email", "value": "a" * 400}])
def test_bad_identities_are_a_400(agent, fatemeh, data: dict[str, str]) -> None:
    count = Identity.objects.count()
    response = browser(agent).post(f"/customers/{fatemeh.pk}/identities", data)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert Identity.objects.count() == count


def test_analyst_cannot_add_or_remove_identities(analyst, fatemeh) -> None:
    identity = Identity.objects.filter(customer=fatemeh).first()
    assert identity is not None
    client = browser(analyst)
    added = client.post(f"/customers/{fatemeh.pk}/identities", {"kind": "email",
                                                                 "value": "x@example.com"})
    removed = client.post(f"/customers/{fatemeh.pk}/identities/{identity.pk}/remove")
    assert (added.status_code, removed.status_code) == (403, 403)
    assert Identity.objects.filter(customer=fatemeh).count() == 2


def test_removing_another_customers_identity_is_a_404(agent, fatemeh) -> None:
    other = customer_create(actor=agent, name="Νίκος", identities=[("email", "nikos@example.gr")])
    identity = Identity.objects.get(customer=other)
    response = browser(agent).post(f"/customers/{fatemeh.pk}/identities/{identity.pk}/remove")
    assert response.status_code == 404
    assert Identity.objects.filter(pk=identity.pk).exists()


def test_agent_creates_a_customer(agent) -> None:
    response = browser(agent).post("/customers/new", {
        "name": "يوسف الحداد", "language": "ar", "time_zone": "Asia/Riyadh", "tier": "silver",
        "journey_stage": "prospect", "segment_tags": "", "lifetime_value": "0",
        "cost_to_serve": "0", "organization": "", "notes": ""})
    customer = Customer.objects.get(name="يوسف الحداد")
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/edit"
    assert (customer.tier, customer.journey_stage) == ("silver", "prospect")


def test_analyst_cannot_create_a_customer(analyst) -> None:
    assert browser(analyst).get("/customers/new").status_code == 403
    assert browser(analyst).post("/customers/new", {"name": "x"}).status_code == 403
    assert not Customer.objects.exists()


# --- duplicates and merge ------------------------------------------------------------------


def test_duplicates_list_the_suggestions_with_the_reason(agent, fatemeh) -> None:
    twin = customer_create(actor=agent, name="فاطمه احمدی",
                           identities=[("whatsapp", "+989123456789")])
    response = browser(agent).get(f"/customers/{fatemeh.pk}/duplicates")
    assert response.status_code == 200
    assert [(row.pk, reasons) for row, reasons in response.context["rows"]] == [
        (twin.pk, ["Same phone number", "Same name"])]
    html = response.content.decode()
    assert f'href="/customers/{twin.pk}/merge/{fatemeh.pk}"' in html
    assert f'href="/customers/{fatemeh.pk}/merge/{twin.pk}"' in html


def test_merge_preview_numbers_equal_what_the_merge_moves(agent, supervisor, fatemeh) -> None:
    # Given a source with identities, conversations, messages and a tombstone of its own
    source = customer_create(actor=agent, name="Fatemeh Ahmadi", language="en",
                             segment_tags=["newsletter"], lifetime_value="100", notes="Από email.",
                             identities=[("email", "f.ahmadi@example.com"),
                                         ("telegram", "@fatemeh_a")])
    for subject in ("سفارش ۱", "سفارش ۲", "Παραγγελία"):
        conversation_create(actor=agent, subject=subject, channel="email", text=subject,
                            customer_id=source.pk)
    earlier = customer_create(actor=agent, name="F. A.")
    customer_merge(actor=supervisor, source=earlier, target=source)
    client = browser(supervisor)
    # When previewing, then merging
    preview = client.get(f"/customers/{source.pk}/merge/{fatemeh.pk}")
    moves = preview.context["preview"].moves
    merged = client.post(f"/customers/{source.pk}/merge/{fatemeh.pk}")
    # Then the merge moved exactly what the preview said
    assert merged.status_code == 302
    assert merged["Location"] == f"/customers/{fatemeh.pk}"
    event = TimelineEvent.objects.filter(customer=fatemeh, verb="customer.merged",
                                         after__source_id=source.pk).get()
    assert event.after["moved"] == moves
    assert (moves["customers.identity.customer"], moves["conversations.conversation.customer"],
            moves["customers.customer.merged_into"]) == (2, 3, 1)
    assert moves["core.timelineevent.customer"] > 0
    assert Conversation.objects.filter(customer=fatemeh).count() == 3
    profile = {label: (before, after) for label, before, after in
               preview.context["profile_rows"]}
    assert profile["lifetime value"] == ("1250.50", "1350.50")
    assert profile["segment tags"] == ("وفادار, VIP", "وفادار, VIP, newsletter")
    fatemeh.refresh_from_db()
    assert (fatemeh.lifetime_value, fatemeh.segment_tags, fatemeh.language) == (
        Decimal("1350.50"), ["وفادار", "VIP", "newsletter"], "fa")
    html = preview.content.decode()
    assert "Merge now" in html
    assert "<th scope=\"row\">Identities</th><td>2</td>" in html


def test_agent_sees_the_preview_but_cannot_merge(agent, fatemeh) -> None:
    source = customer_create(actor=agent, name="Fatemeh A.")
    client = browser(agent)
    preview = client.get(f"/customers/{source.pk}/merge/{fatemeh.pk}")
    assert preview.status_code == 200
    assert "Merge now" not in preview.content.decode()
    refused = client.post(f"/customers/{source.pk}/merge/{fatemeh.pk}")
    assert refused.status_code == 403
    assert "Your role does not allow this action (customer.merge)." in refused.content.decode()
    source.refresh_from_db()
    assert source.merged_into_id is None
    assert not AuditLogEntry.objects.filter(action="customer.merge").exists()


def test_merging_into_itself_is_a_clear_400(supervisor, fatemeh) -> None:
    client = browser(supervisor)
    for method in (client.get, client.post):
        response = method(f"/customers/{fatemeh.pk}/merge/{fatemeh.pk}")
        assert response.status_code == 400
        assert "A customer cannot be merged into itself." in response.content.decode()
    assert not TimelineEvent.objects.filter(verb="customer.merged").exists()


def test_merging_an_already_merged_customer_is_a_clear_409(agent, supervisor, fatemeh) -> None:
    source = customer_create(actor=agent, name="Fatemeh A.")
    third = customer_create(actor=agent, name="Φατεμέ")
    customer_merge(actor=supervisor, source=source, target=fatemeh)
    response = browser(supervisor).post(f"/customers/{source.pk}/merge/{third.pk}")
    assert response.status_code == 409
    assert "One of these customers was already merged into another." in (
        response.content.decode())
    assert TimelineEvent.objects.filter(verb="customer.merged").count() == 1


def test_merging_an_unknown_customer_is_a_404(supervisor, fatemeh) -> None:
    response = browser(supervisor).post(f"/customers/999999/merge/{fatemeh.pk}")
    assert response.status_code == 404
    assert "No customer has this id." in response.content.decode()


def test_persian_agent_with_native_digits_sees_a_right_to_left_page(agent, fatemeh) -> None:
    conversation_create(actor=agent, subject="سفارش", channel="email", text="سلام",
                        customer_id=fatemeh.pk)
    agent_set_preferences(actor=agent, language="fa", native_digits=True)
    html = browser(agent).get(f"/customers/{fatemeh.pk}").content.decode()
    assert 'dir="rtl"' in html
    assert "۱۲۵۰.۵۰" in html          # lifetime value in Persian digits
    assert "fatemeh@example.com" in html
    assert "+989123456789" in html    # identities are shown as written, never converted


def test_an_organization_older_than_the_listed_ones_is_found_and_chosen(
    agent, fatemeh,
) -> None:
    old = organization_create(actor=agent, name="Δήμος Πειραιά", domain="piraeus.gr")
    OrganizationFactory.create_batch(MAX_ORGANIZATION_CHOICES)
    client = browser(agent)
    edit = client.get(f"/customers/{fatemeh.pk}/edit").content.decode()
    assert "Δήμος Πειραιά" not in edit  # only the newest are listed
    assert 'hx-get="/organizations/options"' in edit  # the search box beside the select
    options = client.get("/organizations/options", {"q": "δημος πειραια"}).content.decode()
    assert f'<option value="{old.pk}">Δήμος Πειραιά</option>' in options  # accent-folded
    response = client.post(f"/customers/{fatemeh.pk}/edit",
                           form_data(fatemeh, organization=str(old.pk)))
    assert response.status_code == 302
    fatemeh.refresh_from_db()
    assert fatemeh.organization_id == old.pk
    refused = client.post(f"/customers/{fatemeh.pk}/edit",
                          form_data(fatemeh, organization="987654"))
    assert refused.status_code == 400
    fatemeh.refresh_from_db()
    assert fatemeh.organization_id == old.pk
