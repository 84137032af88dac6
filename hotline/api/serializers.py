"""Calls over the API. Every field is listed by name. The caller's identity (name, number,
relationship) is in the output for hotline staff only (permissions.can_see_caller_identity); a
phone system posting a call gets a receipt without any narrative, even when its Idempotency-Key
returns a call a counsellor has logged since."""

from datetime import timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from cases.api.serializers import ChildRefSerializer, ErrorSerializer  # noqa: F401 - shared components
from core.api.representation import DateTimes, generic_representation
from core.api.representation import codes as _codes
from core.validators import normalise_phone, validate_vietnamese_phone
from hotline.choices import CallerRelationship, CallStatus, ConnectionOutcome, ContactType, ReportingClass, Urgency
from hotline.models import Call, Hotline
from hotline.permissions import can_see_caller_identity

CALLER_FIELDS = ("caller_phone", "caller_name", "caller_relationship", "caller_anonymous")
# A phone system's clock may run a little ahead of ours.
CLOCK_SKEW = timedelta(minutes=2)


# The call's status as an inline enum: a named one would clash with the cases' "status" enums.
STATUS_SCHEMA = {"allOf": [{"type": "string", "enum": list(CallStatus.values)}],
                 "description": "DRAFT: being logged (an answered call waiting for its counsellor); COMPLETE: logged."}


@extend_schema_field(STATUS_SCHEMA)
class CallStatusField(serializers.CharField):
    """The call's status (CallStatus)."""


def coded(choices, *, blank: bool = True, **kwargs) -> serializers.CharField:
    """A read-only code of a choice set, documented as an inline enum: field names such as
    "urgency" are shared with other apps' enums, and a named component would clash."""
    values = [*([""] if blank else []), *[value for value, _label in choices]]
    field_class = extend_schema_field({"allOf": [{"type": "string", "enum": values}]})(
        type("CodedField", (serializers.CharField,), {}))
    return field_class(read_only=True, **kwargs)


class CallCreateSerializer(serializers.Serializer):
    """What a phone system knows of a call: the line, the times, how it ended, the number."""

    hotline = serializers.SlugRelatedField(slug_field="code", queryset=Hotline.objects.none(),
                                           help_text=_("The line's code, e.g. 111 or LC-HOTLINE."))
    received_at = serializers.DateTimeField(help_text=_("When the call reached the line (ISO 8601 with offset)."))
    answered_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    ended_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    connection_outcome = serializers.ChoiceField(choices=ConnectionOutcome.choices)
    caller_phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=20,
                                         help_text=_("The caller's number, if the network gave it."))
    counsellor = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.none(), required=False,
                                              allow_null=True, default=None,
                                              help_text=_("Username of the counsellor who answered."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            lines = Hotline.objects.filter(members=request.user, is_active=True)
            self.fields["hotline"].queryset = lines
            self.fields["counsellor"].queryset = User.objects.filter(hotlines__in=lines, is_active=True).distinct()

    def validate_caller_phone(self, value: str) -> str:
        if not value:
            return ""
        try:
            validate_vietnamese_phone(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error
        return normalise_phone(value)

    def validate(self, data):
        received, answered, ended = data["received_at"], data.get("answered_at"), data.get("ended_at")
        errors = {}
        if received > timezone.now() + CLOCK_SKEW:
            errors["received_at"] = [_("A call cannot be received in the future.")]
        if ended and ended < received:
            errors["ended_at"] = [_("A call cannot end before it starts.")]
        if answered and answered < received:
            errors["answered_at"] = [_("A call cannot be answered before it starts.")]
        if answered and ended and ended < answered and "ended_at" not in errors:
            errors["ended_at"] = [_("A call cannot end before it was answered.")]
        if answered and data["connection_outcome"] != ConnectionOutcome.ANSWERED:
            errors["answered_at"] = [_("Only an answered call has an answer time.")]
        counsellor = data.get("counsellor")
        if counsellor is not None and not data["hotline"].members.filter(pk=counsellor.pk).exists():
            errors["counsellor"] = [_("This user is not a counsellor of the line.")]
        if errors:
            raise serializers.ValidationError(errors)
        return data


class CallReceiptSerializer(serializers.ModelSerializer):
    """The answer to a phone system's post: the record's facts, no narrative."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    hotline = serializers.CharField(source="hotline.code", read_only=True)
    status = CallStatusField(read_only=True)
    counsellor = serializers.CharField(source="counsellor.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Call
        fields = ["id", "hotline", "status", "received_at", "answered_at", "ended_at", "connection_outcome",
                  "reporting_class", "counsellor", "created_at"]
        read_only_fields = fields


class CallListSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    hotline = serializers.CharField(source="hotline.code", read_only=True)
    status = CallStatusField(read_only=True)
    counsellor = serializers.CharField(source="counsellor.username", read_only=True, allow_null=True, default=None)
    case_number = serializers.CharField(source="case.case_number", read_only=True, allow_null=True, default=None)
    waiting_seconds = serializers.IntegerField(read_only=True, allow_null=True)
    talk_seconds = serializers.IntegerField(read_only=True, allow_null=True)
    categories = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    contact_type = coded(ContactType.choices, help_text=_("Chosen by the counsellor; empty until logged."))
    reporting_class = coded(ReportingClass.choices, blank=False)
    urgency = coded(Urgency.choices)
    caller_phone = serializers.CharField(read_only=True, help_text=_("Hotline staff only."))
    caller_name = serializers.CharField(read_only=True, help_text=_("Hotline staff only."))
    caller_relationship = coded(CallerRelationship.choices, help_text=_("Hotline staff only."))
    caller_anonymous = serializers.BooleanField(read_only=True, help_text=_("Hotline staff only."))

    class Meta:
        model = Call
        fields = ["id", "hotline", "status", "received_at", "answered_at", "ended_at", "waiting_seconds",
                  "talk_seconds", "connection_outcome", "contact_type", "reporting_class", "counsellor", "urgency",
                  "categories", "case_number", *CALLER_FIELDS, "created_at", "updated_at"]
        read_only_fields = fields

    def to_representation(self, call):
        data = self.row(call)
        cache = self.context.setdefault("_identity", {})
        request = self.context.get("request")
        if "sees" not in cache:
            cache["sees"] = request is not None and can_see_caller_identity(request.user)
        if not cache["sees"]:
            for name in CALLER_FIELDS:
                data.pop(name, None)
        return data

    def row(self, call) -> dict:
        # The declared fields, written out (core.api.representation): DRF's generic path was most
        # of the call list's time. tests/hotline/test_calls_api.py compares the two.
        when, counsellor, case = self._datetimes, call.counsellor, call.case
        return {
            "id": str(call.public_id), "hotline": call.hotline.code, "status": call.status,
            "received_at": when(call.received_at), "answered_at": when(call.answered_at),
            "ended_at": when(call.ended_at), "waiting_seconds": call.waiting_seconds,
            "talk_seconds": call.talk_seconds, "connection_outcome": call.connection_outcome,
            "contact_type": call.contact_type, "reporting_class": call.reporting_class,
            "counsellor": None if counsellor is None else counsellor.username, "urgency": call.urgency,
            "categories": _codes(call, "category_codes", "categories"),
            "case_number": None if case is None else case.case_number,
            "caller_phone": call.caller_phone, "caller_name": call.caller_name,
            "caller_relationship": call.caller_relationship, "caller_anonymous": call.caller_anonymous,
            "created_at": when(call.created_at), "updated_at": when(call.updated_at),
        }

    @cached_property
    def _datetimes(self):
        return DateTimes()


class CallDetailSerializer(CallListSerializer):
    # One call at a time: DRF's own path, field by field.
    def row(self, call) -> dict:
        return generic_representation(self, call)

    child = ChildRefSerializer(read_only=True, allow_null=True)
    child_commune = serializers.CharField(source="child_commune.code", read_only=True, allow_null=True, default=None)
    actions_taken = serializers.ListField(child=serializers.CharField(), read_only=True)
    child_sex = serializers.CharField(read_only=True)

    class Meta(CallListSerializer.Meta):
        fields = [*CallListSerializer.Meta.fields, "child", "child_name", "child_sex", "child_age", "child_commune",
                  "summary", "actions_taken", "follow_up", "do_not_call_back"]
        read_only_fields = fields
