"""Sign-in, sign-out, password change, and each agent's own language and time zone."""

from __future__ import annotations

import pytest
from django.test import Client

from mehvar.accounts.models import Agent, AuditLogEntry
from mehvar.accounts.services import agent_set_preferences
from mehvar.core.errors import Invalid, PermissionDenied
from tests.factories.conversations import ConversationFactory

pytestmark = pytest.mark.django_db
PASSWORD = "long enough password 1"


@pytest.fixture
def reza(make_agent) -> Agent:
    agent = make_agent(username="reza", display_name="رضا کریمی")
    agent.set_password(PASSWORD)
    agent.save()
    return agent


def signed_in(agent: Agent) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def test_sign_in_with_the_right_password_lands_on_next_and_is_audited(reza) -> None:
    client = Client()
    response = client.post("/signin", {"username": "reza", "password": PASSWORD,
                                       "next": "/account"})
    assert response.status_code == 302
    assert response["Location"] == "/account"
    assert client.get("/account").status_code == 200
    assert AuditLogEntry.objects.filter(action="agent.signed_in", actor=reza).count() == 1


def test_a_wrong_password_shows_an_error_signs_nobody_in_and_is_audited(reza) -> None:
    client = Client()
    response = client.post("/signin", {"username": "reza", "password": "wrong"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert client.get("/account").status_code == 302  # still anonymous: sent to sign in
    failed = AuditLogEntry.objects.get(action="agent.sign_in_failed")
    assert failed.data == {"username": "reza"}  # never the password
    assert failed.actor is None


def test_pages_that_need_an_agent_redirect_to_sign_in() -> None:
    response = Client().get("/account")
    assert response.status_code == 302
    assert response["Location"].startswith("/signin?next=/account")


def test_sign_out_needs_post_and_ends_the_session(reza) -> None:
    client = signed_in(reza)
    assert client.get("/signout").status_code == 405
    response = client.post("/signout")
    assert response.status_code == 302
    assert client.get("/account").status_code == 302
    assert AuditLogEntry.objects.filter(action="agent.signed_out", actor=reza).exists()


def test_password_change_needs_the_old_password(reza) -> None:
    client = signed_in(reza)
    refused = client.post("/account/password", {"old_password": "nope",
                                                 "new_password1": "a new pass phrase 7",
                                                 "new_password2": "a new pass phrase 7"})
    assert refused.status_code == 200
    reza.refresh_from_db()
    assert reza.check_password(PASSWORD)

    changed = client.post("/account/password", {"old_password": PASSWORD,
                                                 "new_password1": "a new pass phrase 7",
                                                 "new_password2": "a new pass phrase 7"})
    assert changed.status_code == 302
    reza.refresh_from_db()
    assert reza.check_password("a new pass phrase 7")
    assert client.get("/account").status_code == 200  # this session stays signed in


def test_the_saved_language_renders_persian_right_to_left_whatever_the_browser_says(
    reza,
) -> None:
    client = signed_in(reza)
    response = client.post("/account/preferences", {"language": "fa", "next": "/account"},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 302
    assert response["Location"] == "/account"
    reza.refresh_from_db()
    assert reza.language == "fa"

    page = Client(headers={"Accept-Language": "el"})
    page.force_login(reza)
    html = page.get("/account").content.decode()
    assert 'lang="fa" dir="rtl"' in html
    assert "حساب من" in html  # "My account" in the navigation, in Persian
    assert "خروج" in html  # "Sign out"


def test_greek_is_left_to_right_and_translated(reza) -> None:
    agent_set_preferences(actor=reza, language="el")
    html = signed_in(reza).get("/account").content.decode()
    assert 'lang="el" dir="ltr"' in html
    assert "Ο λογαριασμός μου" in html


def test_time_zone_is_saved_and_used_for_the_page(reza) -> None:
    client = signed_in(reza)
    client.post("/account/preferences", {"time_zone": "Asia/Tehran"})
    reza.refresh_from_db()
    assert reza.time_zone == "Asia/Tehran"
    html = client.get("/account").content.decode()
    assert '<option value="Asia/Tehran" selected>' in html


def test_unknown_language_or_time_zone_is_a_clear_error_and_changes_nothing(reza) -> None:
    client = signed_in(reza)
    response = client.post("/account/preferences", {"time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    assert "time zone" in response.content.decode()
    with pytest.raises(Invalid) as error:
        agent_set_preferences(actor=reza, language="xx")
    assert error.value.code == "language_invalid"
    reza.refresh_from_db()
    assert (reza.language, reza.time_zone) == ("en", "UTC")


def test_preferences_redirect_only_to_this_site(reza) -> None:
    response = signed_in(reza).post("/account/preferences",
                                    {"language": "ar", "next": "https://evil.example/x"})
    assert response["Location"] == "/"


def test_a_deactivated_agent_cannot_change_preferences(reza) -> None:
    reza.is_active = False
    with pytest.raises(PermissionDenied):
        agent_set_preferences(actor=reza, language="ar")


def test_api_requests_with_a_token_are_not_affected_by_the_middleware(api_as, reza) -> None:
    agent_set_preferences(actor=reza, language="fa")
    response = api_as(reza).get("me")
    assert response.json()["username"] == "reza"
    assert response["Content-Language"] == "en"  # the saved "fa" applies to the web UI


def test_native_digits_are_an_opt_in_for_interface_numbers_only(reza) -> None:
    client = signed_in(reza)
    ConversationFactory(subject="سفارش 4512", status="open", assignee=reza)
    latin = client.get("/inbox?fragment=tabs").content.decode()
    assert '<span class="count">1</span>' in latin

    response = client.post("/account/preferences", {
        "language": "fa", "time_zone": "Asia/Tehran", "digits_choice": "1",
        "native_digits": "1", "next": "/account"})
    assert response.status_code == 302
    reza.refresh_from_db()
    assert reza.native_digits
    persian = client.get("/inbox?fragment=tabs").content.decode()
    assert '<span class="count">۱</span>' in persian  # the interface's number
    # what the customer wrote stays as written
    assert "سفارش 4512" in client.get("/inbox").content.decode()

    # the header's language switch has no checkbox and leaves the choice alone
    client.post("/account/preferences", {"language": "ar", "next": "/inbox"})
    reza.refresh_from_db()
    assert reza.native_digits
    assert '<span class="count">١</span>' in client.get("/inbox?fragment=tabs").content.decode()
    client.post("/account/preferences", {"language": "en", "next": "/inbox"})
    english = client.get("/inbox?fragment=tabs").content.decode()
    assert '<span class="count">1</span>' in english  # English has no digits of its own

    client.post("/account/preferences", {"digits_choice": "1", "next": "/account"})
    reza.refresh_from_db()
    assert not reza.native_digits


def test_sign_in_without_next_lands_on_the_inbox(reza) -> None:
    client = Client()
    response = client.post("/signin", {"username": "reza", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/inbox"
