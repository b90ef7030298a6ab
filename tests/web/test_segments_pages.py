"""The saved segment pages: the list with each row's member count loaded after it (analysts
and up), one segment with its members, and the form that creates, changes and deletes a
segment (supervisors and admins). Refused roles get the 403 page and change nothing; bad
input is a 400 with the message beside the field or row; an unknown id is the 404 page; the
list costs the same at any size."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from mehvar.accounts.models import Agent
from mehvar.accounts.services import agent_set_preferences
from mehvar.core.models import TimelineEvent
from mehvar.customers.models import Customer, Segment
from mehvar.customers.segment_services import segment_create
from mehvar.customers.services import customer_create
from tests.web.helpers import browser

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
HOSTILE = "<script>alert(1)</script>"
PERSIAN_NAME = "مشتریان طلایی فارسی‌زبان"
UNKNOWN = 987654


def segment_form(**changes: Any) -> dict[str, Any]:
    """The form as a browser posts it: ten condition rows, the unused ones empty."""
    data: dict[str, Any] = {"name": PERSIAN_NAME, "description": "برای پیگیری ویژه",
                            "match": "all"}
    for index in range(10):
        data.update({f"condition-{index}-field": "", f"condition-{index}-op": "",
                     f"condition-{index}-value": ""})
    data.update(changes)
    return data


def condition(index: int, field: str, op: str, value: str) -> dict[str, str]:
    return {f"condition-{index}-field": field, f"condition-{index}-op": op,
            f"condition-{index}-value": value}


@pytest.fixture
def customers(agent: Agent) -> dict[str, Customer]:
    """Persian, Arabic and Greek customers of several tiers and languages."""
    made = {}
    for key, name, tier, language in (
        ("maryam", "مریم احمدی", "gold", "fa"), ("reza", "رضا کریمی", "platinum", "fa"),
        ("dariush", "داریوش", "standard", "fa"), ("layla", "ليلى حسن", "gold", "ar"),
        ("eleni", "Ελένη Παπαδοπούλου", "platinum", "el"),
    ):
        made[key] = customer_create(actor=agent, name=name, tier=tier, language=language,
                                    identities=[("email", f"{key}@example.com")])
    return made


@pytest.fixture
def golden(supervisor: Agent, customers: dict[str, Customer]) -> Segment:
    return segment_create(actor=supervisor, name="عملاء ذهبيون", description="Χρυσοί πελάτες",
                          conditions=[{"field": "tier", "op": "in",
                                       "value": ["gold", "platinum"]}])


# --- reading -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["analyst", "agent", "supervisor", "admin"])
def test_everyone_reads_the_list_and_the_segment(make_agent: Callable[..., Agent],
                                                 golden: Segment, role: str) -> None:
    client = browser(make_agent(role))
    assert 'href="/segments"' in client.get("/inbox").content.decode()  # header link
    response = client.get("/segments")
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("عملاء ذهبيون", "Χρυσοί πελάτες", "All conditions",
                 'dir="auto">Gold, Platinum</bdi>', f'hx-get="/segments/{golden.pk}/count"',
                 'hx-trigger="load"', f'href="/segments/{golden.pk}"'):
        assert text in html, text
    may_manage = role in {"supervisor", "admin"}
    assert ('href="/segments/new"' in html) is may_manage

    page = client.get(f"/segments/{golden.pk}")
    html = page.content.decode()
    assert page.status_code == 200
    assert page.context["count"] == 4
    for name in ("مریم احمدی", "رضا کریمی", "ليلى حسن", "Ελένη Παπαδοπούλου"):
        assert name in html
    assert "داریوش" not in html
    customer_ids = {customer.pk for customer in page.context["members"]}
    for customer_id in customer_ids:
        assert f'href="/customers/{customer_id}"' in html
    assert (f'href="/segments/{golden.pk}/edit"' in html) is may_manage


def test_the_count_fragment_counts_the_live_members(agent: Agent, golden: Segment,
                                                   customers: dict[str, Customer]) -> None:
    client = browser(agent)
    response = client.get(f"/segments/{golden.pk}/count", headers=HTMX)
    assert response.status_code == 200
    assert response.context["count"] == 4
    assert "4 customers" in response.content.decode()
    assert "<html" not in response.content.decode()  # a fragment for the row
    customer_create(actor=agent, name="Νίκος", tier="gold", language="el")
    assert client.get(f"/segments/{golden.pk}/count").context["count"] == 5


def test_members_are_paged_newest_first(agent: Agent, supervisor: Agent) -> None:
    for number in range(30):
        customer_create(actor=agent, name=f"مشتری {number}", language="fa")
    segment = segment_create(actor=supervisor, name="فارسی",
                             conditions=[{"field": "language", "op": "eq", "value": "fa"}])
    client = browser(agent)
    first = client.get(f"/segments/{segment.pk}")
    assert len(first.context["members"]) == 25
    assert first.context["count"] == 30
    assert first.context["next_url"]
    second = client.get(f"/segments/{segment.pk}{first.context['next_url']}")
    assert len(second.context["members"]) == 5
    seen = [row.name for page in (first, second) for row in page.context["members"]]
    assert seen == [f"مشتری {number}" for number in reversed(range(30))]
    assert client.get(f"/segments/{segment.pk}?cursor=%%%").status_code == 400


def test_signed_out_visitors_go_to_sign_in(golden: Segment) -> None:
    for url in ("/segments", f"/segments/{golden.pk}", f"/segments/{golden.pk}/count",
                "/segments/new", f"/segments/{golden.pk}/edit"):
        assert Client().get(url).status_code == 302, url


def test_names_are_escaped(supervisor: Agent) -> None:
    segment_create(actor=supervisor, name=HOSTILE, description=HOSTILE,
                   conditions=[{"field": "segment_tag", "op": "contains", "value": HOSTILE}])
    html = browser(supervisor).get("/segments").content.decode()
    assert HOSTILE not in html
    assert "&lt;script&gt;" in html


# --- writing -------------------------------------------------------------------------------


def test_a_supervisor_creates_edits_and_deletes_a_segment(supervisor: Agent,
                                                         customers: dict[str, Customer]) -> None:
    client = browser(supervisor)
    page = client.get("/segments/new")
    assert page.status_code == 200
    html = page.content.decode()
    assert len(page.context["rows"]) == 10
    for text in ('name="condition-9-value"', '<option value="last_contact_days">',
                 '<option value="not_in">', 'name="match" value="any"'):
        assert text in html, text

    created = client.post("/segments/new", segment_form(
        **condition(0, "tier", "in", "gold، Platinum"), **condition(3, "language", "eq", "fa")))
    assert created.status_code == 302
    segment = Segment.objects.get()
    assert created["Location"] == f"/segments/{segment.pk}"
    assert (segment.name, segment.description, segment.match) == (
        PERSIAN_NAME, "برای پیگیری ویژه", "all")
    assert segment.conditions == [{"field": "tier", "op": "in", "value": ["gold", "platinum"]},
                                  {"field": "language", "op": "eq", "value": "fa"}]
    assert segment.created_by_id == supervisor.pk
    count = client.get(f"/segments/{segment.pk}/count", headers=HTMX)
    assert count.context["count"] == 2  # maryam and reza
    members = client.get(f"/segments/{segment.pk}").context["members"]
    assert {row.name for row in members} == {"مریم احمدی", "رضا کریمی"}

    form = client.get(f"/segments/{segment.pk}/edit")
    html = form.content.decode()
    assert form.status_code == 200
    assert 'value="Gold, Platinum"' in html
    assert f'action="/segments/{segment.pk}/delete"' in html

    edited = client.post(f"/segments/{segment.pk}/edit", segment_form(
        name="Ελληνόφωνοι ή Άραβες", description="", match="any",
        **condition(0, "language", "in", "el, ar"), **condition(1, "order_count", "gte", "۳")))
    assert edited.status_code == 302
    segment.refresh_from_db()
    assert (segment.name, segment.description, segment.match) == (
        "Ελληνόφωνοι ή Άραβες", "", "any")
    assert segment.conditions == [{"field": "language", "op": "in", "value": ["el", "ar"]},
                                  {"field": "order_count", "op": "gte", "value": 3}]
    assert client.get(f"/segments/{segment.pk}/count").context["count"] == 2  # layla, eleni

    deleted = client.post(f"/segments/{segment.pk}/delete")
    assert (deleted.status_code, deleted["Location"]) == (302, "/segments")
    assert not Segment.objects.exists()
    assert client.get(f"/segments/{segment.pk}").status_code == 404


@pytest.mark.parametrize("role", ["analyst", "agent"])
def test_other_roles_are_refused_every_change_and_nothing_changes(
    make_agent: Callable[..., Agent], golden: Segment, role: str,
) -> None:
    client = browser(make_agent(role))
    for url in ("/segments/new", f"/segments/{golden.pk}/edit"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert 'role="alert"' in response.content.decode()
    events = TimelineEvent.objects.count()
    for url, data in (("/segments/new", segment_form(**condition(0, "tier", "eq", "gold"))),
                      (f"/segments/{golden.pk}/edit", segment_form(name="x")),
                      (f"/segments/{golden.pk}/delete", {})):
        assert client.post(url, data).status_code == 403, url
    assert TimelineEvent.objects.count() == events
    assert list(Segment.objects.values_list("name", "conditions")) == [
        ("عملاء ذهبيون", [{"field": "tier", "op": "in", "value": ["gold", "platinum"]}])]


@pytest.mark.parametrize(("changes", "form_name", "field", "words"), [
    ({"name": ""}, None, "name", "required"),
    ({"match": "most"}, None, "match", "valid choice"),
    (condition(0, "tier", "eq", "diamond"), 0, "value", "listed values"),
    (condition(2, "last_contact_days", "gt", "نود"), 2, "value", "whole number of days"),
    (condition(1, "lifetime_value", "in", "100"), 1, "op", "at least"),
    (condition(4, "", "", "طلایی"), 4, "field", "Choose a field"),
    (condition(0, "language", "eq", "Ελληνικά"), 0, "value", "language code"),
    (condition(5, "tier", "in", " ، "), 5, "value", "1 to 50 values"),
])
def test_bad_input_is_a_400_with_the_message_beside_the_field(
    supervisor: Agent, changes: dict[str, str], form_name: int | None, field: str, words: str,
) -> None:
    data = segment_form(**condition(0, "tier", "eq", "gold")) | changes
    response = browser(supervisor).post("/segments/new", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="field-error"' in html
    form = response.context["form"] if form_name is None else response.context["rows"][form_name]
    assert words in " ".join(form.errors[field])
    assert PERSIAN_NAME in html or field == "name"  # what was typed is kept
    assert not Segment.objects.exists()


def test_an_empty_row_between_conditions_keeps_errors_on_the_right_row(
        supervisor: Agent) -> None:
    response = browser(supervisor).post("/segments/new", segment_form(
        **condition(0, "tier", "eq", "gold"), **condition(6, "order_count", "gt", "-1")))
    assert response.status_code == 400
    assert "0 or more" in " ".join(response.context["rows"][6].errors["value"])
    assert not response.context["rows"][0].errors


def test_a_taken_name_is_refused_beside_the_name(supervisor: Agent, golden: Segment) -> None:
    client = browser(supervisor)
    taken = client.post("/segments/new", segment_form(name="عملاء ذهبيون"))
    assert taken.status_code == 409
    assert "already has this name" in " ".join(taken.context["form"].errors["name"])
    other = segment_create(actor=supervisor, name="Ελληνόφωνοι")
    renamed = client.post(f"/segments/{other.pk}/edit", segment_form(name="عملاء ذهبيون"))
    assert renamed.status_code == 409
    assert Segment.objects.get(pk=other.pk).name == "Ελληνόφωνοι"


def test_unknown_ids_are_not_found(supervisor: Agent) -> None:
    client = browser(supervisor)
    for url in (f"/segments/{UNKNOWN}", f"/segments/{UNKNOWN}/edit",
                f"/segments/{UNKNOWN}/count"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert 'role="alert"' in response.content.decode()
    assert client.post(f"/segments/{UNKNOWN}/delete").status_code == 404
    assert client.post(f"/segments/{UNKNOWN}/edit", segment_form()).status_code == 404
    assert not Segment.objects.exists()


# --- query counts --------------------------------------------------------------------------


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_costs_the_same_at_any_size(supervisor: Agent, agent: Agent, size: int,
                                             django_assert_max_num_queries: Any) -> None:
    for number in range(size):
        customer_create(actor=agent, name=f"Πελάτης {number}", tier="gold")
        segment_create(actor=supervisor, name=f"بخش {number}", conditions=[
            {"field": "tier", "op": "eq", "value": "gold"},
            {"field": "last_contact_days", "op": "gt", "value": number}])
    client = browser(agent)
    client.get("/segments")
    with django_assert_max_num_queries(3):  # session, agent, segments with their creators
        response = client.get("/segments")
    assert len(response.context["rows"]) == min(size, 25)


@pytest.mark.parametrize("size", [3, 30])
def test_a_segment_page_costs_the_same_at_any_size(supervisor: Agent, agent: Agent, size: int,
                                                   django_assert_max_num_queries: Any) -> None:
    for number in range(size):
        customer_create(actor=agent, name=f"عميل {number}", tier="silver",
                        identities=[("email", f"c{number}@example.com")])
    segment = segment_create(actor=supervisor, name="نقره‌ای",
                             conditions=[{"field": "tier", "op": "eq", "value": "silver"}])
    client = browser(agent)
    client.get(f"/segments/{segment.pk}")
    # session, agent, segment, count, members, their identities
    with django_assert_max_num_queries(6):
        response = client.get(f"/segments/{segment.pk}")
    assert response.context["count"] == size
    with django_assert_max_num_queries(4):  # session, agent, segment, count
        client.get(f"/segments/{segment.pk}/count", headers=HTMX)


def test_a_persian_supervisor_types_names_commas_and_digits_of_their_own(
    supervisor: Agent, customers: dict[str, Customer],
) -> None:
    agent_set_preferences(actor=supervisor, language="fa", native_digits=True)
    client = browser(supervisor)
    created = client.post("/segments/new", segment_form(
        **condition(0, "tier", "in", "طلایی، پلاتینی"),
        **condition(1, "lifetime_value", "gte", "١٢٠٫٥٠"),
        **condition(2, "created_days_ago", "lte", "۳۶۵")))
    assert created.status_code == 302
    segment = Segment.objects.get()
    assert segment.conditions == [
        {"field": "tier", "op": "in", "value": ["gold", "platinum"]},
        {"field": "lifetime_value", "op": "gte", "value": "120.50"},
        {"field": "created_days_ago", "op": "lte", "value": 365}]
    html = client.get(f"/segments/{segment.pk}").content.decode()
    assert 'dir="rtl"' in html
    assert "طلایی, پلاتینی" in html  # the tiers by their Persian names
    assert "۱۲۰.۵۰" in html  # an amount in the agent's digits
    assert "طلایی, پلاتینی" in client.get(f"/segments/{segment.pk}/edit").content.decode()
