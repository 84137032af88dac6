"""Forms of the hotline pages. Choices come from the user's scope: their hotlines, the children
they may see, the cases they may see; the CHI categories and contact types from choices.py.

The counselling form is also the shape of the draft: what the counsellor typed is saved as the
form's raw fields (`draft_from_post`) and given back to the form as its initial data
(`initial_from_draft`), so a closed tab loses nothing.
"""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import person_name
from beneficiaries.choices import Sex
from beneficiaries.selectors import children_visible_to
from cases.choices import ChildCategory, Level
from cases.forms import abuse_type_choices
from cases.models import AbuseType
from core.forms import BootstrapMixin
from core.text import without_nul
from core.validators import normalise_phone, validate_vietnamese_phone
from geography.models import Commune, Province
from hotline import selectors
from hotline.choices import (
    CONTACT_CLASS,
    QUICK_CONTACT_KEYS,
    ActionTaken,
    CallerRelationship,
    ContactType,
    ReportingClass,
    Urgency,
)
from hotline.models import CallCategory

DATE = forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"})
DATETIME_FORMATS = ["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
DATETIME = forms.DateTimeInput(format="%d/%m/%Y %H:%M", attrs={"placeholder": "dd/mm/yyyy hh:mm"})
# Set by the escalation and callback actions themselves, not ticked by hand.
AUTOMATIC_ACTIONS = {ActionTaken.CASE_OPENED, ActionTaken.ADDED_TO_EXISTING_CASE, ActionTaken.CALLBACK_SCHEDULED}
MULTI_FIELDS = ("categories", "actions_taken")
MAX_DRAFT_VALUE = 10_000


def quick_contact_types() -> list[dict]:
    """The one-keystroke contact types, in the order of their keys on the screen."""
    return [{"key": key, "code": code, "label": ContactType(code).label, "reporting_class": CONTACT_CLASS[code]}
            for key, code in QUICK_CONTACT_KEYS.items()]


class HotlineChoiceForm(forms.Form):
    """Which line a new call came in on (for a counsellor of several lines)."""

    hotline = forms.ModelChoiceField(label=_("Line"), queryset=None, empty_label=None)
    key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hotline"].queryset = selectors.hotlines_of(user)
        self.fields["hotline"].widget.attrs["class"] = "form-select"


class QuickTypeForm(forms.Form):
    """One click or one keystroke: a non-counselling contact type."""

    contact_type = forms.ChoiceField(choices=[(code, ContactType(code).label) for code in QUICK_CONTACT_KEYS.values()])


class QuickLogForm(HotlineChoiceForm, QuickTypeForm):
    """From the call screen: a new call on the chosen line, logged at once."""


class CounsellingForm(BootstrapMixin, forms.Form):
    """Issue 5 item 2: the counselling contact. Tab order follows the fields as declared here."""

    contact_type = forms.ChoiceField(label=_("Contact type"), required=False,
                                     choices=[("", "---------"), *ContactType.choices])
    # The caller: identity only if given.
    caller_relationship = forms.ChoiceField(label=_("Who is calling"), required=False,
                                            choices=[("", "---------"), *CallerRelationship.choices])
    caller_anonymous = forms.BooleanField(label=_("The caller stays anonymous"), required=False)
    caller_name = forms.CharField(label=_("Caller's name (if given)"), required=False, max_length=150)
    caller_phone = forms.CharField(label=_("Caller's phone (if given)"), required=False, max_length=20,
                                   widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    # The child: a registered child found by search, or described.
    child = forms.ModelChoiceField(label=_("Registered child"), queryset=None, required=False,
                                   to_field_name="public_id", widget=forms.HiddenInput)
    child_name = forms.CharField(label=_("Child's name (if known)"), required=False, max_length=150)
    child_sex = forms.ChoiceField(label=_("Child's sex"), required=False, choices=[("", "---------"), *Sex.choices])
    child_age = forms.IntegerField(label=_("Child's age (or estimate)"), required=False, min_value=0, max_value=17)
    child_province = forms.ModelChoiceField(label=_("Child's province"), required=False, queryset=None,
                                            to_field_name="code")
    child_commune = forms.ModelChoiceField(label=_("Child's commune"), required=False, queryset=None,
                                           to_field_name="code")
    categories = forms.ModelMultipleChoiceField(
        label=_("Reasons for the call"), required=False, queryset=None, to_field_name="code",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}))
    urgency = forms.ChoiceField(label=_("Urgency"), required=False, choices=[("", "---------"), *Urgency.choices])
    summary = forms.CharField(label=_("Summary"), required=False, max_length=MAX_DRAFT_VALUE,
                              widget=forms.Textarea(attrs={"rows": 5}))
    actions_taken = forms.MultipleChoiceField(
        label=_("Actions taken"), required=False,
        choices=[c for c in ActionTaken.choices if c[0] not in AUTOMATIC_ACTIONS],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}))
    follow_up = forms.CharField(label=_("Follow-up"), required=False, max_length=MAX_DRAFT_VALUE,
                                widget=forms.Textarea(attrs={"rows": 2}))
    do_not_call_back = forms.BooleanField(label=_("Do not call back"), required=False)
    callback_at = forms.DateTimeField(label=_("Call back at"), required=False, input_formats=DATETIME_FORMATS,
                                      widget=DATETIME, help_text=_("Leave empty for no callback."))

    def __init__(self, *args, user, default_province=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["child"].queryset = children_visible_to(user).filter(merged_into__isnull=True)
        self.fields["child_province"].queryset = Province.objects.current().order_by("name")
        code = self._province_code(default_province)
        communes = Commune.objects.current().order_by("name_folded")
        # The commune list is the chosen province's (3,321 options would be no list at all).
        self.fields["child_commune"].queryset = communes.filter(province__code=code) if code else communes.none()
        if self.is_bound:
            self.fields["child_commune"].queryset = communes
        self.fields["categories"].queryset = CallCategory.objects.filter(parent__isnull=False)
        self.fields["child_province"].widget.attrs.update({
            "hx-get": reverse("hotline:commune_options"), "hx-trigger": "change",
            "hx-target": f"#{self.auto_id % self.add_prefix('child_commune')}", "hx-include": "this"})

    def _province_code(self, default_province) -> str:
        if self.is_bound:
            return self.data.get("child_province") or ""
        initial = self.initial.get("child_province")
        if initial:
            return str(initial)
        if default_province is not None:
            self.initial["child_province"] = default_province.code
            return default_province.code
        return ""

    def category_groups(self) -> list[dict]:
        """The CHI subcategories under their top-level category, with their checkboxes."""
        boxes = {str(box.data["value"]): box for box in self["categories"]}
        parents = {c.pk: c for c in CallCategory.objects.filter(parent__isnull=True)}
        groups: dict[int, dict] = {}
        for category in CallCategory.objects.filter(parent__isnull=False).order_by("position"):
            group = groups.setdefault(category.parent_id, {"category": parents[category.parent_id], "boxes": [],
                                                          "open": False})
            box = boxes.get(category.code)
            if box is not None:
                group["boxes"].append(box)
                group["open"] = group["open"] or bool(box.data["selected"])
        return list(groups.values())

    def clean_caller_phone(self) -> str:
        value = self.cleaned_data["caller_phone"].strip()
        if not value:
            return ""
        validate_vietnamese_phone(value)
        return normalise_phone(value)

    def clean(self):
        data = super().clean()
        contact_type = data.get("contact_type")
        if not contact_type:
            self.add_error("contact_type", _("Choose the contact type."))
        commune, province = data.get("child_commune"), data.get("child_province")
        if commune is not None and province is not None and commune.province_id != province.pk:
            self.add_error("child_commune", _("This commune is not in the chosen province."))
        if data.get("do_not_call_back") and data.get("callback_at"):
            self.add_error("callback_at", _("The caller asked not to be called back."))
        if data.get("callback_at") and not data.get("caller_phone"):
            self.add_error("callback_at", _("There is no number to call back."))
        if data.get("callback_at") and data["callback_at"] < timezone.now() - timedelta(minutes=5):
            self.add_error("callback_at", _("A callback is scheduled for a time to come."))
        return data

    @property
    def is_counselling(self) -> bool:
        return CONTACT_CLASS.get(self.cleaned_data.get("contact_type")) == ReportingClass.COUNSELLING

    def call_data(self) -> dict:
        """What complete_call sets on the call. The caller's name is dropped when they stay
        anonymous; a registered child brings their commune (for routing and officials' counts)."""
        data = self.cleaned_data
        child = data.get("child")
        anonymous = data.get("caller_anonymous", False)
        return {
            "contact_type": data["contact_type"],
            "caller_relationship": data.get("caller_relationship") or "",
            "caller_anonymous": anonymous,
            "caller_name": "" if anonymous else data.get("caller_name", "").strip(),
            "caller_phone": data.get("caller_phone", ""),
            "child": child,
            "child_name": data.get("child_name", "").strip() or (child.full_name if child else ""),
            "child_sex": data.get("child_sex") or (child.sex if child else ""),
            "child_age": data.get("child_age") if data.get("child_age") is not None else (child.age if child else None),
            "child_commune": child.commune if child else data.get("child_commune"),
            "urgency": data.get("urgency") or "",
            "summary": data.get("summary", "").strip(),
            "actions_taken": sorted(data.get("actions_taken") or []),
            "follow_up": data.get("follow_up", "").strip(),
            "do_not_call_back": data.get("do_not_call_back", False),
        }


def draft_from_post(post) -> dict:
    """The counselling form's raw fields as typed, for the draft (services.save_draft)."""
    fields = set(CounsellingForm.base_fields)
    draft = {}
    for name, values in post.lists():
        if name not in fields:
            continue
        values = [without_nul(str(v))[:MAX_DRAFT_VALUE] for v in values]
        draft[name] = values if name in MULTI_FIELDS else (values[-1] if values else "")
    return draft


def initial_from_draft(draft: dict) -> dict:
    """The draft as the form's initial data; unchecked boxes are simply absent."""
    fields = set(CounsellingForm.base_fields)
    return {name: value for name, value in (draft or {}).items() if name in fields}


class EscalateForm(BootstrapMixin, forms.Form):
    """Issue 5 item 5: open a case from the call at the chosen level."""

    level = forms.ChoiceField(label=_("Protection level"), choices=Level.choices, initial=Level.INTERVENTION)
    category = forms.ChoiceField(label=_("The child's category"), choices=ChildCategory.choices,
                                 initial=ChildCategory.ABUSED)
    is_emergency = forms.BooleanField(label=_("Emergency protection needed"), required=False, help_text=_(
        "The child's life, health or dignity is seriously threatened, or the caregiver is the abuser: "
        "the 12-hour clock starts."))
    abuse_types = forms.ModelMultipleChoiceField(
        label=_("Abuse types"), queryset=AbuseType.objects.none(), required=False, to_field_name="code",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "case")
        super().__init__(*args, **kwargs)
        self.fields["abuse_types"].queryset = AbuseType.objects.all()
        codes = dict(AbuseType.objects.values_list("pk", "code"))
        self.fields["abuse_types"].choices = [(codes[pk], label) for pk, label in abuse_type_choices()]

    def case_data(self) -> dict:
        data = self.cleaned_data
        return {"level": data["level"], "category": data["category"], "is_emergency": data["is_emergency"],
                "abuse_types": list(data["abuse_types"])}


class AddToCaseForm(forms.Form):
    """A follow-up call joins one of the child's open cases the user can see."""

    case = forms.ModelChoiceField(label=_("Case"), queryset=None, to_field_name="public_id",
                                  widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases
        self.fields["case"].label_from_instance = lambda c: f"{c.case_number} · {c.get_level_display()}"


class CallbackForm(BootstrapMixin, forms.Form):
    due_at = forms.DateTimeField(label=_("Call back at"), input_formats=DATETIME_FORMATS, widget=DATETIME)

    def clean_due_at(self):
        value = self.cleaned_data["due_at"]
        if value < timezone.now() - timedelta(minutes=5):
            raise ValidationError(_("A callback is scheduled for a time to come."))
        return value


class CallbackAttemptForm(BootstrapMixin, forms.Form):
    reached = forms.BooleanField(label=_("Reached the caller"), required=False)
    outcome = forms.CharField(label=_("Outcome"), required=False, max_length=255)


class PeriodForm(BootstrapMixin, forms.Form):
    """The supervisor's and officials' figures: a period (this month by default), a line, a counsellor."""

    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("Until"), required=False, widget=DATE)
    hotline = forms.ModelChoiceField(label=_("Hotline"), required=False, queryset=None, to_field_name="code",
                                     empty_label=_("All lines"))
    counsellor = forms.ModelChoiceField(label=_("Counsellor"), required=False, queryset=None,
                                        to_field_name="username", empty_label=_("All counsellors"))

    def __init__(self, *args, hotlines, counsellors=None, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["start"].initial, self.fields["end"].initial = today.replace(day=1), today
        self.fields["hotline"].queryset = hotlines
        if counsellors is None:
            del self.fields["counsellor"]
        else:
            self.fields["counsellor"].queryset = counsellors
            self.fields["counsellor"].label_from_instance = person_name

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end of the period comes before its start."))
        return data

    def period(self):
        from hotline.statistics import Period

        today = timezone.localdate()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        start = data.get("start") or today.replace(day=1)
        end = data.get("end") or today
        return Period(start, max(start, end))
