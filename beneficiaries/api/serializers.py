"""The child record over the API. Input is validated by the same ChildForm as the web page, so
both refuse the same bad input with the same messages."""

from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from beneficiaries.forms import ChildForm
from beneficiaries.models import CHILD_AGE_LIMIT, Child
from core.api.representation import DateTimes
from geography.selectors import communes_managed_by


class ChildSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    commune = serializers.CharField(source="commune.code", help_text=_("5-digit commune code"))
    commune_name = serializers.CharField(source="commune.name", read_only=True)
    province = serializers.CharField(source="commune.province.code", read_only=True)
    village = serializers.IntegerField(source="village_id", allow_null=True, required=False)
    age = serializers.IntegerField(read_only=True)
    is_aged_out = serializers.BooleanField(read_only=True)
    estimated_age = serializers.IntegerField(write_only=True, required=False, allow_null=True,
                                             help_text=_("Instead of date_of_birth when it is not known."))
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    version = serializers.IntegerField(required=False, help_text=_(
        "The version you read; a PATCH with a stale version is refused with 409."))
    merged_into = serializers.UUIDField(source="merged_into.public_id", read_only=True, allow_null=True,
                                        default=None)

    class Meta:
        model = Child
        fields = [
            "id", "registry_number", "full_name", "sex", "date_of_birth", "birth_date_estimated", "estimated_age",
            "age", "is_aged_out", "ethnicity", "personal_id", "birth_registration", "province", "commune",
            "commune_name", "village", "address", "schooling", "school_name", "health_insurance_number",
            "poverty_status", "disability_type", "disability_severity", "notes", "is_active",
            "deactivation_reason", "merged_into", "version", "created_at", "updated_at",
        ]
        read_only_fields = ["registry_number", "birth_date_estimated", "is_active", "deactivation_reason",
                            "created_at", "updated_at"]
        # Read-only model fields lose allow_blank; an active child's reason is blank.
        extra_kwargs = {"deactivation_reason": {"allow_blank": True}}

    def to_representation(self, child):
        # The declared fields, written out as DRF's fields write them (core.api.representation): the
        # generic path was half of the API's name search on the 2-core server (issue 9).
        # tests/beneficiaries/test_children_api.py compares the two on every kind of record.
        text, commune, merged, when = _text, child.commune, child.merged_into, self._datetimes
        age = child.age_on(self._today)
        return {
            "id": str(child.public_id), "registry_number": text(child.registry_number),
            "full_name": text(child.full_name), "sex": text(child.sex),
            "date_of_birth": child.date_of_birth.isoformat() if child.date_of_birth else None,
            "birth_date_estimated": child.birth_date_estimated, "age": age, "is_aged_out": age >= CHILD_AGE_LIMIT,
            "ethnicity": text(child.ethnicity), "personal_id": text(child.personal_id),
            "birth_registration": text(child.birth_registration), "province": commune.province.code,
            "commune": commune.code, "commune_name": commune.name, "village": child.village_id,
            "address": text(child.address), "schooling": text(child.schooling), "school_name": text(child.school_name),
            "health_insurance_number": text(child.health_insurance_number),
            "poverty_status": text(child.poverty_status), "disability_type": text(child.disability_type),
            "disability_severity": text(child.disability_severity), "notes": text(child.notes),
            "is_active": child.is_active, "deactivation_reason": text(child.deactivation_reason),
            "merged_into": None if merged is None else str(merged.public_id), "version": child.version,
            "created_at": when(child.created_at), "updated_at": when(child.updated_at),
        }

    @cached_property
    def _today(self):
        # One date for every row of a response (each record's age was two look-ups of it).
        return timezone.localdate()

    @cached_property
    def _datetimes(self) -> DateTimes:
        return DateTimes()

    def to_internal_value(self, data):
        """Validate with ChildForm: on PATCH, the current record fills in what was not sent."""
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": [_("Send a JSON object.")]})
        unknown = set(data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
        # The form's fields take text, as from a web form: a number is read as its text; a JSON
        # true/false, list or object is refused (no field here takes one).
        wrong = sorted(name for name, value in data.items() if isinstance(value, bool | list | dict))
        if wrong:
            raise serializers.ValidationError({name: [_("Send a single value.")] for name in wrong})
        instance = self.instance
        form_data = self._current_values(instance) if instance else self._defaults()
        for name, value in data.items():
            if name in self.fields and not self.fields[name].read_only:
                form_data[name] = "" if value is None else str(value)
        if "commune" in data:
            commune = communes_managed_by(self.context["request"].user).filter(code=str(data["commune"])).first()
            form_data["commune"] = commune.pk if commune else "-1"
        if instance and "estimated_age" in data:
            form_data["date_of_birth"] = ""
        if instance and "date_of_birth" in data:
            form_data["estimated_age"] = ""
        form = ChildForm(form_data, instance=instance, communes=communes_managed_by(self.context["request"].user))
        if not form.is_valid():
            raise serializers.ValidationError({self._api_name(k): v for k, v in form.errors.items()})
        values = form.child_data()
        values["version"] = data.get("version")
        return values

    @staticmethod
    def _api_name(name: str) -> str:
        return "non_field_errors" if name == "__all__" else name

    @staticmethod
    def _defaults() -> dict:
        """On create, a field not sent takes the model's default (as the web form shows it)."""
        return {field.name: field.default for field in Child._meta.concrete_fields
                if field.name in ChildForm._meta.fields and field.has_default() and not callable(field.default)}

    @staticmethod
    def _current_values(child: Child) -> dict:
        values = {name: getattr(child, name) for name in ChildForm._meta.fields if hasattr(child, name)}
        values["commune"] = child.commune_id
        values["village"] = child.village_id or ""
        if child.birth_date_estimated:
            values["estimated_age"], values["date_of_birth"] = child.age, ""
        else:
            values["date_of_birth"] = child.date_of_birth.isoformat()
        return {k: ("" if v is None else v) for k, v in values.items()}


def _text(value):
    """DRF's CharField and ChoiceField write a stored value as its text, None as null."""
    return None if value is None else str(value)
