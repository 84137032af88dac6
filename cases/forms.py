"""Forms of the case pages. Choices come from the user's scope (children, communes, agencies and
workers they may see), never the whole table. The content of each step's form (Forms 01-07) is in
cases.documents; these are the other inputs: opening a case, plan tasks, visits, services,
attachments, levels, reassignment, transfer and workflow notes.

The services repeat every rule that matters (a future time, a task ending before it starts, a
negative cost); the forms say it next to the field first.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role, ScopeLevel
from accounts.scoping import area_q
from agencies.selectors import agencies_visible_to, service_types
from beneficiaries.selectors import children_visible_to
from cases import choices
from cases.models import AbuseType, PlanTask
from core.files import attachment_type
from core.forms import BootstrapMixin
from geography.selectors import communes

DATE = forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"})
DATETIME_FORMATS = ["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
DATETIME = forms.DateTimeInput(format="%d/%m/%Y %H:%M", attrs={"placeholder": "dd/mm/yyyy hh:mm"})
NOTE = forms.Textarea(attrs={"rows": 2})

def abuse_type_choices() -> list[tuple[int, str]]:
    """Types with their sub-types right under them, in one query."""
    types = sorted(AbuseType.objects.all(), key=lambda t: (t.position, t.code))
    choices_ = []
    for parent in (t for t in types if not t.parent_id):
        choices_.append((parent.pk, parent.name))
        choices_.extend((t.pk, f"— {t.name}") for t in types if t.parent_id == parent.pk)
    return choices_


class OpenCaseForm(BootstrapMixin, forms.Form):
    """Issue 4 item 1: the case's facts. Form 01's content is the IntakeForm shown with it."""

    child = forms.ModelChoiceField(label=_("Child"), queryset=None, to_field_name="public_id",
                                   widget=forms.HiddenInput)
    level = forms.ChoiceField(label=_("Protection level"), choices=choices.Level.choices)
    category = forms.ChoiceField(label=_("The child's category"), choices=choices.ChildCategory.choices)
    abuse_types = forms.ModelMultipleChoiceField(
        label=_("Abuse types"), queryset=AbuseType.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}))
    abuse_setting = forms.ChoiceField(label=_("Where the abuse happened"), choices=choices.AbuseSetting.choices,
                                      required=False)
    channel = forms.ChoiceField(label=_("How the information arrived"), choices=choices.Channel.choices)
    source = forms.ChoiceField(label=_("Who reported it"), choices=choices.Source.choices)
    received_at = forms.DateTimeField(label=_("Information received at"), input_formats=DATETIME_FORMATS,
                                      widget=DATETIME)
    commune = forms.ModelChoiceField(label=_("Commune responsible (where it happened)"), queryset=None,
                                     to_field_name="code")
    is_emergency = forms.BooleanField(label=_("Emergency protection needed"), required=False, help_text=_(
        "The child's life, health or dignity is seriously threatened, or the caregiver is the abuser: "
        "the 12-hour clock starts."))
    assigned_worker = forms.ModelChoiceField(label=_("Assign to"), queryset=User.objects.none(), required=False,
                                             help_text=_("Leave empty to assign the case later."))
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
                              required=False)

    def __init__(self, *args, user, child=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["child"].queryset = children_visible_to(user).filter(merged_into__isnull=True)
        # Where it happened is usually where the child lives, which may lie outside the user's own area.
        place = area_q(user, None) | (Q(pk=child.commune_id) if child is not None else Q(pk__in=[]))
        self.fields["commune"].queryset = communes().filter(place).order_by("name_folded")
        if user.scope_level == ScopeLevel.NATIONAL:
            # 3,321 options is no list for a phone (the national hotline): the 5-digit code instead.
            self.fields["commune"].widget = forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 5,
                                                                   "class": "form-control"})
        self.fields["abuse_types"].queryset = AbuseType.objects.all()
        self.fields["abuse_types"].choices = abuse_type_choices()
        if user.role == Role.SUPERVISOR:
            self.fields["assigned_worker"].queryset = User.objects.filter(
                role=Role.SOCIAL_WORKER, is_active=True, province_id=user.province_id).order_by(
                "last_name", "first_name")
        else:
            del self.fields["assigned_worker"]
        if child is not None and not self.is_bound:
            self.initial.setdefault("child", child.public_id)
            self.initial.setdefault("commune", child.commune.code)
        self.initial.setdefault("received_at", timezone.localtime().replace(second=0, microsecond=0))

    def clean_received_at(self):
        value = self.cleaned_data["received_at"]
        if value > timezone.now():
            raise ValidationError(_("The information cannot have been received in the future."))
        return value

    def case_data(self) -> dict:
        data = self.cleaned_data
        return {
            "child": data["child"], "level": data["level"], "category": data["category"],
            "channel": data["channel"], "source": data["source"], "received_at": data["received_at"],
            "commune": data["commune"], "is_emergency": data["is_emergency"],
            "abuse_types": list(data["abuse_types"]), "abuse_setting": data.get("abuse_setting") or "",
            "summary": data.get("summary", ""), "assigned_worker": data.get("assigned_worker"),
        }


class PlanTaskForm(BootstrapMixin, forms.ModelForm):
    """Form 04: one task or service with dates, who is responsible, providers and cost (VND)."""

    class Meta:
        model = PlanTask
        fields = ["title", "service_type", "start_date", "end_date", "responsible", "responsible_agency",
                  "providers", "cost_vnd"]
        widgets = {"start_date": DATE, "end_date": DATE,
                   "cost_vnd": forms.NumberInput(attrs={"min": 0, "step": 1000, "inputmode": "numeric"})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_type"].queryset = service_types()
        self.fields["responsible_agency"].queryset = agencies_visible_to(user)
        self.fields["cost_vnd"].required = False

    def clean_cost_vnd(self):
        cost = self.cleaned_data.get("cost_vnd")
        if cost is not None and cost < 0:
            raise ValidationError(_("A cost cannot be negative."))
        return cost or 0

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("A task cannot end before it starts."))
        return data

    def _post_clean(self):
        # The service creates the row (and checks the case's state): nothing to validate on an instance here.
        pass


class VisitForm(BootstrapMixin, forms.Form):
    """A home visit or case note: date, place, who was present, what the child said."""

    visited_on = forms.DateField(label=_("Date"), widget=DATE)
    place = forms.CharField(label=_("Place"), max_length=255)
    present = forms.CharField(label=_("Who was present"), max_length=255, required=False)
    child_said = forms.CharField(label=_("What the child said"), widget=NOTE, max_length=5000, required=False)
    notes = forms.CharField(label=_("Notes"), widget=NOTE, max_length=5000, required=False)

    def clean_visited_on(self):
        value = self.cleaned_data["visited_on"]
        if value > timezone.localdate():
            raise ValidationError(_("A visit cannot be dated in the future."))
        return value


class ServiceForm(BootstrapMixin, forms.Form):
    """A service delivered (type, provider, date, cost, outcome), against one of the plan's tasks."""

    task = forms.ModelChoiceField(label=_("Plan task"), queryset=PlanTask.objects.none(), required=False)
    service_type = forms.ModelChoiceField(label=_("Service"), queryset=None)
    provider_agency = forms.ModelChoiceField(label=_("Provider"), queryset=None, required=False)
    provider_name = forms.CharField(label=_("Provider (if not an agency)"), max_length=255, required=False)
    delivered_on = forms.DateField(label=_("Date"), widget=DATE)
    cost_vnd = forms.IntegerField(label=_("Cost (VND)"), min_value=0, required=False,
                                  widget=forms.NumberInput(attrs={"min": 0, "step": 1000, "inputmode": "numeric"}))
    outcome = forms.CharField(label=_("Outcome"), widget=NOTE, max_length=5000, required=False)

    def __init__(self, *args, user, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = case.plan_tasks.all()
        self.fields["service_type"].queryset = service_types()
        self.fields["provider_agency"].queryset = agencies_visible_to(user)

    def clean_delivered_on(self):
        value = self.cleaned_data["delivered_on"]
        if value > timezone.localdate():
            raise ValidationError(_("A service cannot be delivered in the future."))
        return value

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["cost_vnd"] = data.get("cost_vnd") or 0
        return data


class AttachmentForm(BootstrapMixin, forms.Form):
    """A scanned signed form or a photo. The name, the browser's claim and the first bytes must all
    say PDF or photo: an executable renamed .pdf is refused."""

    file = forms.FileField(label=_("File (PDF or photo)"), widget=forms.ClearableFileInput(attrs={
        "accept": ".pdf,.jpg,.jpeg,.png,.webp,.heic,.heif,application/pdf,image/*"}))
    description = forms.CharField(label=_("Description"), max_length=255, required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        expected = attachment_type(upload)
        if not expected:
            raise ValidationError(_("Attach a PDF or a photo (JPEG, PNG, HEIC, WebP)."))
        # What the service stores and serves is what the bytes are, not what the browser said.
        upload.content_type = expected
        return upload


class LevelChangeForm(BootstrapMixin, forms.Form):
    to_level = forms.ChoiceField(label=_("New level"), choices=choices.Level.choices)
    reason = forms.CharField(label=_("Reason"), widget=NOTE, max_length=2000)


class ReassignForm(BootstrapMixin, forms.Form):
    to_worker = forms.ModelChoiceField(label=_("New worker"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Reason"), widget=NOTE, max_length=2000)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        workers = User.objects.filter(role=Role.SOCIAL_WORKER, is_active=True,
                                      province_id=case.commune.province_id)
        if case.assigned_worker_id:
            workers = workers.exclude(pk=case.assigned_worker_id)
        self.fields["to_worker"].queryset = workers.order_by("last_name", "first_name")


class TransferForm(BootstrapMixin, forms.Form):
    """The child moved: the case goes to the commune where the child now lives, in any province.
    Communes are public reference data, so a code is enough."""

    to_commune = forms.ModelChoiceField(label=_("Commune code (5 digits)"), queryset=None, to_field_name="code",
                                        widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 5,
                                                                      "placeholder": "03006"}),
                                        error_messages={"invalid_choice": _("No current commune has this code.")})
    reason = forms.CharField(label=_("Reason"), widget=NOTE, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_commune"].queryset = communes()


class TransitionForm(forms.Form):
    """A move of the workflow (cases.workflow), with a reason or comments when it needs one."""

    action = forms.CharField(max_length=40)
    note = forms.CharField(label=_("Reason or comments"), max_length=5000, required=False)
