"""Intelligence admin pages: intents (supervisors define them with examples in any language)
and trained models (every version with its held-out figures; admins train, activate, roll
back). The services check the role: a refused change is the 403 page and changes nothing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mehvar.accounts.models import Agent
from mehvar.core.errors import DomainError, Invalid
from mehvar.core.permissions import can, require
from mehvar.intelligence import selectors, services
from mehvar.intelligence.models import ModelTask

MAX_FIELD = 2_000
MAX_EXAMPLES_TEXT = 200_000
TRAINABLE = (ModelTask.SENTIMENT, ModelTask.INTENT, ModelTask.SATISFACTION)


def _agent(request: HttpRequest) -> Agent:
    assert isinstance(request.user, Agent)  # login_required: an authenticated agent
    return request.user


def _error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    status = 400 if isinstance(error, Invalid) else error.status
    return render(request, "intelligence/error.html", {"error": error.detail}, status=status)


def _intent_values(request: HttpRequest) -> dict[str, Any]:
    post = request.POST
    examples = post.get("examples", "")[:MAX_EXAMPLES_TEXT].splitlines()
    return {"label": post.get("label", "")[:MAX_FIELD],
            "description": post.get("description", "")[:MAX_FIELD],
            "examples": [line for line in examples if line.strip()],
            "tag": post.get("tag", "")[:MAX_FIELD]}


@login_required
@require_http_methods(["GET", "POST"])
def intents_page(request: HttpRequest) -> HttpResponse:
    """The intents, and (supervisors) the form for a new one."""
    agent = _agent(request)
    values: dict[str, Any] = {}
    error: Any = None
    try:
        if request.method == "POST":
            values = {"name": request.POST.get("name", "")[:MAX_FIELD], **_intent_values(request)}
            try:
                services.intent_create(actor=agent, **values)
                return HttpResponseRedirect(reverse("intelligence-intents"))
            except Invalid as problem:
                error = problem
        intents = selectors.intent_list(actor=agent)
    except DomainError as problem:
        return _error_page(request, problem)
    return render(request, "intelligence/intents.html", {
        "intents": intents, "may_manage": can(agent, "intent.manage"), "values": values,
        "examples_text": "\n".join(values.get("examples", [])),
        "error": error.detail if error else "", "error_field": error.field if error else ""},
        status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def intent_page(request: HttpRequest, intent_id: int) -> HttpResponse:
    """One intent's form (supervisors change it)."""
    agent = _agent(request)
    error: Any = None
    try:
        if request.method == "POST":
            try:
                services.intent_update(actor=agent, intent_id=intent_id,
                                       is_active=request.POST.get("is_active") == "on",
                                       **_intent_values(request))
                return HttpResponseRedirect(reverse("intelligence-intents"))
            except Invalid as problem:
                error = problem
        intent = selectors.intent_get(actor=agent, intent_id=intent_id)
    except DomainError as problem:
        return _error_page(request, problem)
    return render(request, "intelligence/intent.html", {
        "intent": intent, "examples": "\n".join(intent.examples),
        "may_manage": can(agent, "intent.manage"),
        "error": error.detail if error else ""}, status=400 if error else 200)


@login_required
@require_GET
def models_page(request: HttpRequest) -> HttpResponse:
    """Every trained version with its figures; what satisfaction prediction still needs."""
    agent = _agent(request)
    try:
        models = selectors.model_list(actor=agent)
    except DomainError as problem:
        return _error_page(request, problem)
    good, bad = selectors.rating_counts()
    return render(request, "intelligence/models.html", {
        "models": models, "may_manage": can(agent, "model.manage"),
        "languages": settings.LANGUAGES, "tasks": dict(ModelTask.choices),
        "ratings": {"good": good, "bad": bad,
                    "needed": settings.MEHVAR_SATISFACTION_MIN_RATINGS},
        "notice": request.GET.get("notice", "")[:200]})


@login_required
@require_POST
def model_action(request: HttpRequest) -> HttpResponse:
    """Train a new version, or activate / deactivate one (admins)."""
    agent = _agent(request)
    action = request.POST.get("action", "")
    try:
        require(agent, "model.manage")
        if action == "train":
            task = request.POST.get("task", "")
            if task not in TRAINABLE:
                raise Invalid("model_task_invalid", _("Train sentiment, intent or satisfaction."),
                              field="task")
            from mehvar.intelligence.training import model_train  # scikit-learn: see api.py

            model = model_train(actor=agent, task=task,
                                language=request.POST.get("language", "")[:8])
            notice = "trained" if model.is_active else "kept"
        else:
            model_id = request.POST.get("model", "")
            if not model_id.isdigit() or len(model_id) > 18:
                raise Invalid("model_invalid", _("Choose a model."), field="model")
            if action == "activate":
                services.model_activate(actor=agent, model_id=int(model_id))
            elif action == "deactivate":
                services.model_deactivate(actor=agent, model_id=int(model_id))
            else:
                raise Invalid("action_invalid", _("There is no such action."), field="action")
            notice = action
    except DomainError as problem:
        return _error_page(request, problem)
    return HttpResponseRedirect(f"{reverse('intelligence-models')}?notice={notice}")
