"""Forms of the registry. Validation lives in `ChildFieldsMixin` so the web form, the API and the
spreadsheet importer refuse the same bad input with the same messages."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries import choices
from beneficiaries.models import Child, CircumstanceGroup, CircumstanceSubgroup, years_before
from core.forms import BootstrapMixin
from core.text import fold, normalise
from core.validators import normalise_phone, validate_personal_id, validate_vietnamese_phone
from geography.models import Village

MAX_AGE_AT_REGISTRATION = 18
DATE_WIDGET = forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"})


def clean_person_name(value: str) -> str:
    name = normalise(value)
    if not fold(name).replace(" ", ""):
        raise ValidationError(_("Enter the full name."))
    if any(ch in name for ch in "<>{}[]\\|@#$%^*=+_~`0123456789"):
        raise ValidationError(_("A name has letters, spaces, hyphens and apostrophes only."))
    return name


def check_birth_date(dob: date, today: date | None = None) -> None:
    today = today or timezone.localdate()
    if dob > today:
        raise ValidationError(_("The date of birth cannot be in the future."))
    if dob <= years_before(today, MAX_AGE_AT_REGISTRATION + 1):  # 19 on the 19th birthday
        raise ValidationError(_("The person is over 18: the registry is for children."))


def estimated_birth_date(age: int, today: date | None = None) -> date:
    """An estimated age becomes 1 January of the estimated year of birth (marked as estimated)."""
    today = today or timezone.localdate()
    return date(today.year - age, 1, 1)


def check_health_insurance(value: str) -> str:
    value = value.replace(" ", "").upper()
    # Since 2021 the card number is the 10-digit social insurance number; older cards have two
    # letters, a digit and 12 more digits (15 characters).
    if value and not (value.isdigit() and len(value) == 10) and not (
        len(value) == 15 and value[:2].isalpha() and value[2:].isdigit()
    ):
        raise ValidationError(_("A health insurance card number has 10 digits (or 15 characters on older cards)."))
    return value


class ChildForm(BootstrapMixin, forms.ModelForm):
    """Register or edit a child. Either a date of birth or an estimated age."""

    estimated_age = forms.IntegerField(
        label=_("Estimated age (years)"), required=False, min_value=0, max_value=MAX_AGE_AT_REGISTRATION,
        help_text=_("Only when the date of birth is not known."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Longer than 12 so that "0011 2301 2345" typed with spaces is cleaned, not cut off.
    personal_id = forms.CharField(label=_("personal identification number"), max_length=20, required=False,
                                  widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 15}))

    class Meta:
        model = Child
        fields = [
            "full_name", "sex", "date_of_birth", "estimated_age", "ethnicity", "personal_id", "birth_registration",
            "commune", "village", "address", "schooling", "school_name", "health_insurance_number",
            "poverty_status", "disability_type", "disability_severity", "notes",
        ]
        widgets = {
            "date_of_birth": DATE_WIDGET,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, communes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date_of_birth"].required = False
        self.fields["full_name"].max_length = 150
        if communes is not None:
            self.fields["commune"].queryset = communes.select_related("province").order_by("name_folded")
        # Choosing a commune reloads its villages (htmx, no inline script).
        self.fields["commune"].widget.attrs.update({
            "hx-get": reverse_lazy("beneficiaries:village_options"), "hx-target": "#id_village",
            "hx-trigger": "change"})
        # Villages of the user's communes only: the whole table would list every province's villages.
        villages = Village.objects.filter(is_active=True).select_related("commune")
        if communes is not None:
            villages = villages.filter(commune__in=communes)
        if not self.is_bound:  # shown: the chosen commune's (choosing another reloads them)
            chosen = self.initial.get("commune") or self.instance.commune_id
            villages = villages.filter(commune_id=getattr(chosen, "pk", chosen) or 0)
        self.fields["village"].queryset = villages
        if self.instance.pk and self.instance.birth_date_estimated:
            self.initial["estimated_age"] = self.instance.age
            self.initial["date_of_birth"] = None

    def clean_full_name(self):
        return clean_person_name(self.cleaned_data["full_name"])

    def clean_health_insurance_number(self):
        return check_health_insurance(self.cleaned_data.get("health_insurance_number") or "")

    def clean_personal_id(self):
        value = (self.cleaned_data.get("personal_id") or "").replace(" ", "")
        if value and Child.objects.filter(personal_id=value).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("Another child in the registry already has this identification number."))
        return value

    def clean(self):
        data = super().clean()
        dob, age = data.get("date_of_birth"), data.get("estimated_age")
        if dob and age is not None:
            self.add_error("estimated_age", _("Give either the date of birth or an estimated age, not both."))
        elif dob:
            try:
                check_birth_date(dob)
            except ValidationError as error:
                self.add_error("date_of_birth", error)
            data["birth_date_estimated"] = False
        elif age is not None:
            data["date_of_birth"] = estimated_birth_date(age)
            data["birth_date_estimated"] = True
        elif "date_of_birth" not in self.errors:
            self.add_error("date_of_birth", _("Give the date of birth, or an estimated age if it is not known."))
        village, commune = data.get("village"), data.get("commune")
        if village and commune and village.commune_id != commune.pk:
            self.add_error("village", _("This village is not in the chosen commune."))
        if data.get("personal_id") and data.get("date_of_birth") and not data.get("birth_date_estimated"):
            try:
                validate_personal_id(data["personal_id"], sex=data.get("sex"), birth_date=data["date_of_birth"])
            except ValidationError as error:
                self.add_error("personal_id", error)
        elif data.get("personal_id"):
            try:
                validate_personal_id(data["personal_id"])
            except ValidationError as error:
                self.add_error("personal_id", error)
        if bool(data.get("disability_type")) != bool(data.get("disability_severity")):
            self.add_error("disability_severity", _("Give both the type and the severity of the disability."))
        return data

    def child_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in {"estimated_age", "version"}}
        data["birth_date_estimated"] = self.cleaned_data.get("birth_date_estimated", False)
        return data


class CaregiverForm(BootstrapMixin, forms.Form):
    caregiver_name = forms.CharField(label=_("Caregiver's full name"), max_length=150, required=False)
    caregiver_relationship = forms.ChoiceField(label=_("Relationship"), choices=choices.Relationship.choices,
                                               required=False)
    caregiver_phone = forms.CharField(label=_("Caregiver's phone"), max_length=20, required=False,
                                      widget=forms.TextInput(attrs={"inputmode": "tel"}))
    caregiver_is_guardian = forms.BooleanField(label=_("Legal guardian"), required=False)

    def __init__(self, *args, required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.name_required = required

    def clean_caregiver_phone(self):
        phone = self.cleaned_data.get("caregiver_phone") or ""
        if phone:
            validate_vietnamese_phone(phone)
        return normalise_phone(phone)

    def clean(self):
        data = super().clean()
        name = data.get("caregiver_name")
        if name:
            try:
                data["caregiver_name"] = clean_person_name(name)
            except ValidationError as error:
                self.add_error("caregiver_name", error)
            if not data.get("caregiver_relationship"):
                self.add_error("caregiver_relationship", _("Say how this person is related to the child."))
        elif self.name_required or data.get("caregiver_phone"):
            self.add_error("caregiver_name", _("Enter the caregiver's name."))
        return data


class CircumstancePicker(BootstrapMixin, forms.Form):
    """Special-circumstance groups and sub-groups at registration, all from one start date."""

    groups = forms.ModelMultipleChoiceField(label=_("Special-circumstance groups"), required=False,
                                            queryset=CircumstanceGroup.objects.none(),
                                            widget=forms.CheckboxSelectMultiple)
    subgroups = forms.ModelMultipleChoiceField(label=_("Sub-groups"), required=False,
                                               queryset=CircumstanceSubgroup.objects.none(),
                                               widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 6}))
    circumstances_from = forms.DateField(label=_("In these groups since"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].queryset = groups
        self.fields["subgroups"].queryset = CircumstanceSubgroup.objects.filter(group__in=groups).select_related(
            "group")

    def clean(self):
        data = super().clean()
        start = data.get("circumstances_from")
        if start and start > timezone.localdate():
            self.add_error("circumstances_from", _("This date cannot be in the future."))
        return data

    def selections(self) -> list[tuple]:
        """[(group, subgroup or None)], a sub-group implying its group."""
        chosen = []
        subgroups = list(self.cleaned_data.get("subgroups") or [])
        covered = {s.group_id for s in subgroups}
        chosen += [(s.group, s) for s in subgroups]
        chosen += [(g, None) for g in self.cleaned_data.get("groups") or [] if g.pk not in covered]
        return chosen


class SensitiveForm(BootstrapMixin, forms.Form):
    hiv_status = forms.ChoiceField(label=_("HIV status"), choices=choices.HivStatus.choices, required=False)
    sexual_abuse_history = forms.CharField(label=_("Sexual-abuse history"), required=False, max_length=5000,
                                           widget=forms.Textarea(attrs={"rows": 2}))
    drug_use = forms.CharField(label=_("Drug use"), required=False, max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 2}))
    conflict_with_law = forms.CharField(label=_("Conflict with the law"), required=False, max_length=5000,
                                        widget=forms.Textarea(attrs={"rows": 2}))


class ConfirmNewForm(BootstrapMixin, forms.Form):
    confirm_new = forms.BooleanField(label=_("This is a different child: register a new record"), required=False)
    duplicate_reason = forms.CharField(label=_("Why is this a different child?"), required=False, max_length=255)

    def clean(self):
        data = super().clean()
        if data.get("confirm_new") and not (data.get("duplicate_reason") or "").strip():
            self.add_error("duplicate_reason", _("Say why this is not the same child."))
        return data


class AddCircumstanceForm(BootstrapMixin, forms.Form):
    group = forms.ModelChoiceField(label=_("Group"), queryset=CircumstanceGroup.objects.none())
    subgroup = forms.ModelChoiceField(label=_("Sub-group"), queryset=CircumstanceSubgroup.objects.none(),
                                      required=False)
    started_on = forms.DateField(label=_("Since"), widget=DATE_WIDGET)

    def __init__(self, *args, groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.fields["subgroup"].queryset = CircumstanceSubgroup.objects.filter(group__in=groups)

    def clean_started_on(self):
        day = self.cleaned_data["started_on"]
        if day > timezone.localdate():
            raise ValidationError(_("This date cannot be in the future."))
        return day


class ConsentForm(BootstrapMixin, forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=choices.ConsentPurpose.choices)
    given_by = forms.ModelChoiceField(label=_("Given by (parent or guardian)"), queryset=None, required=False)
    given_by_name = forms.CharField(label=_("Or their name"), required=False, max_length=150)
    child_agreed = forms.BooleanField(label=_("The child (aged 7 or more) agreed too"), required=False)
    agency = forms.ModelChoiceField(label=_("Agency (for sharing)"), queryset=None, required=False)
    given_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET)

    def __init__(self, *args, caregivers=None, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["given_by"].queryset = caregivers
        self.fields["agency"].queryset = agencies

    def clean_given_on(self):
        day = self.cleaned_data["given_on"]
        if day > timezone.localdate():
            raise ValidationError(_("This date cannot be in the future."))
        return day


class DeactivateForm(BootstrapMixin, forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=[
        c for c in choices.DeactivationReason.choices if c[0] != choices.DeactivationReason.MERGED])
    note = forms.CharField(label=_("Note"), required=False, max_length=255)


class MergeForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Why are these the same child?"), max_length=255)


class EndCircumstanceForm(BootstrapMixin, forms.Form):
    ended_on = forms.DateField(label=_("Until"), widget=DATE_WIDGET)

    def clean_ended_on(self):
        day = self.cleaned_data["ended_on"]
        if day > timezone.localdate():
            raise ValidationError(_("This date cannot be in the future."))
        return day
