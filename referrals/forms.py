"""Forms of the referral pages. Every choice comes from the user's scope: agencies from
agencies_visible_to, cases from cases_visible_to; sensitive parts of the record are offered only to
those who may see them, and only when the child's consent to share is recorded."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, ServiceType
from agencies.selectors import agencies_visible_to, service_types
from beneficiaries.permissions import can_view_sensitive
from cases.choices import OPEN_STATUSES
from cases.selectors import cases_visible_to
from core.calendar import add_working_days
from core.forms import BootstrapMixin
from referrals.choices import DEFAULT_SHARED, SENSITIVE_SHARED, SharedField, Urgency
from referrals.permissions import can_override_consent

DATE = forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"})
NOTE = forms.Textarea(attrs={"rows": 3})
RESPONSE_WORKING_DAYS = 3


def default_respond_by():
    return add_working_days(timezone.now(), RESPONSE_WORKING_DAYS).date()


class ReferralForm(BootstrapMixin, forms.Form):
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none(), to_field_name="public_id",
                                    widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                                    error_messages={"required": _("Choose the agency.")})
    service_type = forms.ModelChoiceField(label=_("Service"), queryset=ServiceType.objects.none(),
                                          to_field_name="code")
    case = forms.ModelChoiceField(label=_("For the case"), queryset=None, to_field_name="public_id", required=False,
                                  help_text=_("A completed referral records the service on this case's plan."))
    reason = forms.CharField(label=_("Reason for the referral"), widget=NOTE, max_length=5000)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    respond_by = forms.DateField(label=_("The agency should answer by"), widget=DATE)
    shared_fields = forms.MultipleChoiceField(
        label=_("Information shared"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Name and reason are always shared. Share no more than the service needs."))
    override_reason = forms.CharField(
        label=_("Emergency: send without consent, because"), widget=NOTE, max_length=2000, required=False,
        help_text=_("Only in an emergency, to protect the child's life or health; the reason is kept."))

    def __init__(self, *args, user, child, consent_exists: bool, **kwargs):
        initial = {"shared_fields": list(DEFAULT_SHARED), "respond_by": default_respond_by(),
                   **kwargs.pop("initial", {})}
        super().__init__(*args, initial=initial, **kwargs)
        self.user, self.child = user, child
        self.fields["agency"].queryset = agencies_visible_to(user).filter(is_active=True)
        self.fields["service_type"].queryset = service_types()
        self.fields["case"].queryset = (cases_visible_to(user).filter(child=child, status__in=OPEN_STATUSES)
                                        .order_by("-received_at"))
        self.fields["case"].label_from_instance = lambda case: f"{case.case_number} · {case.get_level_display()}"
        self.sensitive_visible = can_view_sensitive(user, child)
        self.sensitive_enabled = self.sensitive_visible and consent_exists
        self.fields["shared_fields"].choices = [
            (f.value, f.label) for f in SharedField
            if f not in SENSITIVE_SHARED or self.sensitive_enabled]
        if not can_override_consent(user):
            del self.fields["override_reason"]

    def shared_choices(self) -> list[dict]:
        """The checkboxes, with the sensitive ones shown (disabled without consent) only to those
        who may see them."""
        if self.is_bound:
            checked = set(self.data.getlist("shared_fields"))
        else:
            checked = {str(v) for v in self.initial.get("shared_fields", [])}
        rows = []
        for field in SharedField:
            sensitive = field in SENSITIVE_SHARED
            if sensitive and not self.sensitive_visible:
                continue
            always = field in (SharedField.NAME, SharedField.REASON)
            rows.append({"value": field.value, "label": field.label, "sensitive": sensitive,
                         "disabled": always or (sensitive and not self.sensitive_enabled),
                         "checked": always or field.value in checked, "always": always})
        return rows

    def referral_data(self) -> dict:
        data = self.cleaned_data
        return {"agency": data["agency"], "service_type": data["service_type"], "case": data.get("case"),
                "reason": data["reason"], "urgency": data["urgency"], "respond_by": data["respond_by"],
                "shared_fields": data["shared_fields"], "override_reason": data.get("override_reason", "")}


class DirectorySearchForm(forms.Form):
    """Find an agency by service and area (GET, on the referral page and the directory)."""

    service = forms.CharField(required=False)
    province = forms.CharField(required=False)
    q = forms.CharField(required=False, max_length=100)


class PartnerActionForm(forms.Form):
    """accept / decline (reason) / start / complete (outcome)."""

    action = forms.ChoiceField(choices=[("accept", "accept"), ("decline", "decline"), ("start", "start"),
                                        ("complete", "complete")])
    note = forms.CharField(required=False, max_length=5000)
    outcome = forms.CharField(required=False, max_length=5000)


class SenderActionForm(forms.Form):
    action = forms.ChoiceField(choices=[("revoke", "revoke"), ("close", "close")])
    note = forms.CharField(required=False, max_length=5000)
