"""Forms of the customer and organization pages. They only bound and shape the input (lengths,
choices, a list out of comma-separated tags); the services validate it, and their Invalid
errors are put back beside the field they name (`attach_error`)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mehvar.core.errors import DomainError, Invalid
from mehvar.customers.models import Customer, IdentityKind, JourneyStage, Organization, Tier

_TAG_SEPARATORS = re.compile(r"[,،؛;\n]")  # Latin and Arabic commas and semicolons


def split_tags(raw: str) -> list[str]:
    """Tags typed in one field, separated by Latin or Arabic commas or semicolons (a Persian or
    Arabic keyboard types ، and ؛), without blanks."""
    return [tag.strip() for tag in _TAG_SEPARATORS.split(raw) if tag.strip()]
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
# Service field names that the forms call otherwise.
_FORM_FIELD = {"organization_id": "organization"}


def page_status(error: DomainError) -> int:
    """Bad input on a page is a 400 there (the API's 422); other errors keep their status."""
    return 400 if isinstance(error, Invalid) else error.status


def attach_error(form: forms.Form, error: DomainError) -> None:
    """Show a service error beside its field, or above the form when it names none."""
    field = _FORM_FIELD.get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, str(error.detail))


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    language = forms.CharField(label=_("Language"), max_length=16, required=False,
                               help_text=_("A language code such as fa or ar-EG."))
    time_zone = forms.CharField(label=_("Time zone"), max_length=64, required=False,
                                help_text=_("Such as Asia/Tehran."))
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices)
    journey_stage = forms.ChoiceField(label=_("Journey stage"), choices=JourneyStage.choices)
    segment_tags = forms.CharField(label=_("Segments"), max_length=4000, required=False,
                                   help_text=_("Separate tags with commas."))
    lifetime_value = forms.CharField(label=_("Lifetime value"), max_length=32)
    cost_to_serve = forms.CharField(label=_("Cost to serve"), max_length=32)
    organization = forms.ChoiceField(label=_("Organization"), required=False)
    notes = forms.CharField(label=_("Agent notes"), max_length=10_000, required=False,
                            widget=forms.Textarea(attrs={"rows": 6, "dir": "auto"}),
                            help_text=_("What every agent should know about this customer."))

    def __init__(self, *args: Any, organizations: list[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("None")),
                         *((str(row.pk), row.name) for row in organizations)]
        for name in ("language", "time_zone", "lifetime_value", "cost_to_serve"):
            self.fields[name].widget.attrs["dir"] = "ltr"
        self.fields["name"].widget.attrs["dir"] = "auto"

    @staticmethod
    def initial_for(customer: Customer) -> dict[str, Any]:
        return {
            "name": customer.name, "language": customer.language,
            "time_zone": customer.time_zone, "tier": customer.tier,
            "journey_stage": customer.journey_stage,
            "segment_tags": ", ".join(customer.segment_tags),
            "lifetime_value": customer.lifetime_value, "cost_to_serve": customer.cost_to_serve,
            "organization": str(customer.organization_id or ""), "notes": customer.notes,
        }

    def changes(self) -> dict[str, Any]:
        """The service's keyword arguments from the cleaned data."""
        data = self.cleaned_data
        organization = data["organization"]
        return {
            "name": data["name"], "language": data["language"], "time_zone": data["time_zone"],
            "tier": data["tier"], "journey_stage": data["journey_stage"],
            "segment_tags": split_tags(data["segment_tags"]),
            "lifetime_value": data["lifetime_value"].translate(_DIGITS),
            "cost_to_serve": data["cost_to_serve"].translate(_DIGITS),
            "organization_id": int(organization) if organization else None,
            "notes": data["notes"],
        }


class NotesForm(forms.Form):
    notes = forms.CharField(label=_("Agent notes"), max_length=10_000, required=False,
                            widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}))


class IdentityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=IdentityKind.choices)
    value = forms.CharField(label=_("Value"), max_length=320,
                            widget=forms.TextInput(attrs={"dir": "ltr"}))
    is_primary = forms.BooleanField(label=_("Primary"), required=False)


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200,
                           widget=forms.TextInput(attrs={"dir": "auto"}))
    domain = forms.CharField(label=_("Domain"), max_length=253, required=False,
                             widget=forms.TextInput(attrs={"dir": "ltr"}))
    notes = forms.CharField(label=_("Notes"), max_length=10_000, required=False,
                            widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}))

    @staticmethod
    def initial_for(organization: Organization) -> dict[str, Any]:
        return {"name": organization.name, "domain": organization.domain,
                "notes": organization.notes}
