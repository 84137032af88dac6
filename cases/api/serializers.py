"""Cases over the API. Every field is listed by name; a child appears only as a reference (id,
registry number, name). Step forms are validated by the same Django forms as the web pages
(cases.documents), and their narrative fields are left out for users who may not read them
(cases.permissions.can_read_narratives)."""

from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User, full_name, person_name
from accounts.roles import Role
from accounts.scoping import area_q
from agencies.models import Agency, ServiceType
from agencies.selectors import agencies_visible_to
from beneficiaries.selectors import children_visible_to
from cases import selectors, workflow
from cases.choices import AbuseSetting, Channel, ChildCategory, Level, Source
from cases.documents import DOCUMENT_FORMS, IntakeForm
from cases.models import AbuseType, Case, CaseDocument, DocumentKind, PlanTask, ServiceDelivery, Visit
from cases.permissions import can_read_narratives, can_work_on_case
from core.api.representation import DateTimes, codes
from geography.models import Commune

CLOCK_STATES = ["running", "overdue", "met", "met_late", "cancelled"]


def form_content(form_class, data) -> dict:
    """Run a step's Django form on a JSON object: its cleaned content, or its errors (an unknown
    field is an error too, so a typo is not silently dropped)."""
    if not isinstance(data, dict):
        raise serializers.ValidationError([_("Send a JSON object.")])
    form = form_class(data=data)
    errors = {name: [_("Unknown field.")] for name in sorted(set(data) - set(form.fields))}
    if not form.is_valid():
        errors.update({("non_field_errors" if k == "__all__" else k): v for k, v in form.errors.items()})
    if errors:
        raise serializers.ValidationError(errors)
    return form.content()


def visible_content(document: CaseDocument, readable: bool) -> dict:
    """A form's content without its narrative fields when the reader may not see them."""
    if readable:
        return document.content
    hidden = set(getattr(DOCUMENT_FORMS.get(document.kind), "NARRATIVE", ()))
    return {k: v for k, v in document.content.items() if k not in hidden}


def _readable(serializer, case: Case) -> bool:
    """Cached per case for one response, so a list does not ask twice."""
    cache = serializer.context.setdefault("_narratives", {})
    if case.pk not in cache:
        cache[case.pk] = can_read_narratives(serializer.context["request"].user, case)
    return cache[case.pk]


# --- References --------------------------------------------------------------------------------


class ChildRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    registry_number = serializers.CharField(read_only=True)
    full_name = serializers.CharField(read_only=True)


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", read_only=True, help_text=_("The `worker` filter takes this id."))
    username = serializers.CharField(read_only=True)
    full_name = serializers.SerializerMethodField()

    def get_full_name(self, user) -> str:
        return person_name(user)


class ClockSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    # A method field, not source="get_code_display": DRF inspects the signature of a callable
    # source on every row (4 ms of a page of 25 cases, issue 9).
    label = serializers.SerializerMethodField()
    started_at = serializers.DateTimeField(read_only=True)
    due_at = serializers.DateTimeField(read_only=True)
    met_at = serializers.DateTimeField(read_only=True, allow_null=True)
    state = serializers.ChoiceField(choices=CLOCK_STATES, read_only=True)
    overdue_minutes = serializers.SerializerMethodField(help_text=_("How late: past the due time and not met, "
                                                                    "or met late; otherwise null."))

    def get_label(self, clock) -> str:
        return clock.get_code_display()

    def get_overdue_minutes(self, clock) -> int | None:
        end = clock.met_at or timezone.now()
        if clock.cancelled_at or end <= clock.due_at:
            return None
        return int((end - clock.due_at).total_seconds() // 60)

    def to_representation(self, clock):
        # The fields above, written out (core.api.representation; tests compare with DRF's path).
        when = self._datetimes
        return {"code": clock.code, "label": clock.get_code_display(), "started_at": when(clock.started_at),
                "due_at": when(clock.due_at), "met_at": when(clock.met_at), "state": clock.state,
                "overdue_minutes": self.get_overdue_minutes(clock)}

    @cached_property
    def _datetimes(self):
        return DateTimes()


class ActionSerializer(serializers.Serializer):
    action = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    target = serializers.CharField(read_only=True, help_text=_("The status after the move."))
    needs_note = serializers.BooleanField(read_only=True)
    requires = serializers.ListField(child=serializers.CharField(), read_only=True,
                                     help_text=_("Forms that must be filled in first."))


def next_actions(user, case: Case) -> list[dict]:
    """The moves of the workflow table this user may try from the case's status. A decision is
    not offered to the person who asked for it (annotation `pending_requested_by_id`)."""
    works = can_work_on_case(user, case)
    pending_by = getattr(case, "pending_requested_by_id", None)
    actions = []
    for move in workflow.moves_from(case.status):
        if move.supervisor_only:
            if user.role != Role.SUPERVISOR or pending_by == user.pk:
                continue
        elif not works:
            continue
        actions.append({"action": move.action, "label": str(move.label), "target": move.target,
                        "needs_note": move.needs_note, "requires": list(move.requires)})
    return actions


# --- Reading cases ------------------------------------------------------------------------------


class CaseListSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    child = ChildRefSerializer(read_only=True)
    commune = serializers.CharField(source="commune.code", read_only=True)
    commune_name = serializers.CharField(source="commune.name", read_only=True)
    province = serializers.CharField(source="commune.province.code", read_only=True)
    abuse_types = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    assigned_worker = UserRefSerializer(read_only=True, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True, default=False)
    next_due = serializers.DateTimeField(read_only=True, allow_null=True, default=None)
    clocks = serializers.SerializerMethodField()
    next_actions = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id", "case_number", "child", "level", "category", "status", "is_emergency", "channel", "source",
            "received_at", "commune", "commune_name", "province", "abuse_types", "abuse_setting", "assigned_worker",
            "is_overdue", "next_due", "clocks", "next_actions", "closed_at", "version", "created_at", "updated_at",
        ]
        read_only_fields = fields
        # Read-only model fields lose allow_blank; without it the schema would refuse the blank choice.
        extra_kwargs = {"abuse_setting": {"allow_blank": True}}

    @extend_schema_field(ClockSerializer(many=True))
    def get_clocks(self, case):
        rows = getattr(case, "live_clock_rows", None)  # cases.api.views.case_queryset reads them with the case
        if rows is not None:
            clocks = selectors.clocks_of(rows)
        else:
            clocks = case.clocks.filter(cancelled_at__isnull=True).order_by("due_at", "pk")
        return self._clock_list.to_representation(clocks)

    @cached_property
    def _clock_list(self):
        # One serializer for every row: building one per row copied its fields each time, the
        # largest cost of a page of the case list (issue 9).
        return ClockSerializer(many=True)

    @extend_schema_field(ActionSerializer(many=True))
    def get_next_actions(self, case):
        return next_actions(self.context["request"].user, case)

    def to_representation(self, case):
        # The declared fields, written out (core.api.representation): DRF's generic path was
        # most of the case API's time. tests/cases/test_cases_api.py compares the two.
        when, commune = self._clock_list.child._datetimes, case.commune
        return {
            "id": str(case.public_id), "case_number": case.case_number, "child": _child_ref(case),
            "level": case.level, "category": case.category, "status": case.status, "is_emergency": case.is_emergency,
            "channel": case.channel, "source": case.source, "received_at": when(case.received_at),
            "commune": commune.code, "commune_name": commune.name,
            "province": case.province_code if hasattr(case, "province_code") else commune.province.code,
            "abuse_types": codes(case, "abuse_type_codes", "abuse_types"), "abuse_setting": case.abuse_setting,
            "assigned_worker": _worker_ref(case),
            "is_overdue": getattr(case, "is_overdue", False), "next_due": when(getattr(case, "next_due", None)),
            "clocks": self.get_clocks(case), "next_actions": self.get_next_actions(case),
            "closed_at": when(case.closed_at), "version": case.version, "created_at": when(case.created_at),
            "updated_at": when(case.updated_at),
        }


def _child_ref(case) -> dict:
    """The row's child: from the columns of a list's row (cases.api.views.ROW_COLUMNS), else the object."""
    if hasattr(case, "child_public_id"):
        return {"id": str(case.child_public_id), "registry_number": case.child_registry_number,
                "full_name": case.child_full_name}
    child = case.child
    return {"id": str(child.public_id), "registry_number": child.registry_number, "full_name": child.full_name}


def _worker_ref(case) -> dict | None:
    """The row's worker, as UserRefSerializer writes one (full name in Vietnamese order, else the
    username): from the list row's columns, else the object."""
    if case.assigned_worker_id is None:
        return None
    if hasattr(case, "worker_username"):
        username, first, last = case.worker_username, case.worker_first_name, case.worker_last_name
    else:
        worker = case.assigned_worker
        username, first, last = worker.username, worker.first_name, worker.last_name
    return {"id": case.assigned_worker_id, "username": username,
            "full_name": full_name(first, last) or username}


class DocumentSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    author = UserRefSerializer(read_only=True, allow_null=True)
    content = serializers.SerializerMethodField(help_text=_(
        "The form's fields; narrative fields are left out for users who may not read them."))

    class Meta:
        model = CaseDocument
        fields = ["id", "kind", "kind_label", "content", "author", "created_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_content(self, document):
        return visible_content(document, _readable(self, document.case))


class TransitionSerializer(serializers.Serializer):
    action = serializers.CharField(read_only=True)
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.CharField(read_only=True)
    by = UserRefSerializer(read_only=True, allow_null=True)
    at = serializers.DateTimeField(read_only=True)
    note = serializers.CharField(read_only=True)


class LevelChangeSerializer(serializers.Serializer):
    from_level = serializers.CharField(read_only=True)
    to_level = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)
    by = UserRefSerializer(read_only=True, allow_null=True)
    at = serializers.DateTimeField(read_only=True)


class ApprovalSerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True)
    requested_by = UserRefSerializer(read_only=True, allow_null=True)
    requested_at = serializers.DateTimeField(read_only=True)
    decided_by = UserRefSerializer(read_only=True, allow_null=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    approved = serializers.BooleanField(read_only=True, allow_null=True)
    comments = serializers.CharField(read_only=True)


class PlanTaskSerializer(serializers.ModelSerializer):
    """A task or service of the plan (Form 04). End before start and a negative cost are refused."""

    service_type = serializers.SlugRelatedField(slug_field="code", queryset=ServiceType.objects.all(),
                                                required=False, allow_null=True)
    responsible_agency = serializers.SlugRelatedField(slug_field="public_id", queryset=Agency.objects.none(),
                                                      required=False, allow_null=True,
                                                      help_text=_("Agency id, from /api/v1/agencies/."))
    cost_vnd = serializers.IntegerField(required=False, default=0, help_text=_("Estimated cost in VND."))
    providers = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)

    class Meta:
        model = PlanTask
        fields = ["id", "title", "service_type", "start_date", "end_date", "responsible", "responsible_agency",
                  "providers", "cost_vnd", "status", "delivered_on"]
        read_only_fields = ["id", "status", "delivered_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["responsible_agency"].queryset = agencies_visible_to(request.user)


class VisitSerializer(serializers.ModelSerializer):
    author = UserRefSerializer(read_only=True, allow_null=True)
    present = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    child_said = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)

    class Meta:
        model = Visit
        fields = ["id", "visited_on", "place", "present", "child_said", "notes", "author", "created_at"]
        read_only_fields = ["id", "author", "created_at"]


class ServiceDeliverySerializer(serializers.ModelSerializer):
    task = serializers.PrimaryKeyRelatedField(queryset=PlanTask.objects.none(), required=False, allow_null=True,
                                              help_text=_("A task of this case's plan."))
    service_type = serializers.SlugRelatedField(slug_field="code", queryset=ServiceType.objects.all())
    provider_agency = serializers.SlugRelatedField(slug_field="public_id", queryset=Agency.objects.none(),
                                                   required=False, allow_null=True)
    provider_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    cost_vnd = serializers.IntegerField(required=False, default=0, help_text=_("Cost in VND."))
    outcome = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)

    class Meta:
        model = ServiceDelivery
        fields = ["id", "task", "service_type", "provider_agency", "provider_name", "delivered_on", "cost_vnd",
                  "outcome", "created_at"]
        read_only_fields = ["id", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request, case = self.context.get("request"), self.context.get("case")
        if request is not None:
            self.fields["provider_agency"].queryset = agencies_visible_to(request.user)
        if case is not None:
            self.fields["task"].queryset = case.plan_tasks.all()


class CaseDetailSerializer(CaseListSerializer):
    # One case at a time: DRF's own path, field by field.
    to_representation = serializers.ModelSerializer.to_representation

    summary = serializers.SerializerMethodField()
    opened_by = UserRefSerializer(read_only=True, allow_null=True)
    narratives_hidden = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    plan_tasks = serializers.SerializerMethodField()
    visits = serializers.SerializerMethodField()
    services = serializers.SerializerMethodField()
    approvals = serializers.SerializerMethodField()
    level_changes = serializers.SerializerMethodField()
    transitions = serializers.SerializerMethodField()

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields, "summary", "closure_reason", "outcome", "opened_by", "narratives_hidden",
            "documents", "plan_tasks", "visits", "services", "approvals", "level_changes", "transitions",
        ]
        read_only_fields = fields
        extra_kwargs = {**CaseListSerializer.Meta.extra_kwargs, "closure_reason": {"allow_blank": True}}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_summary(self, case):
        return case.summary if _readable(self, case) else None

    def get_narratives_hidden(self, case) -> bool:
        return not _readable(self, case)

    @extend_schema_field(DocumentSerializer(many=True))
    def get_documents(self, case):
        """The current version of each step's form."""
        documents = list(selectors.latest_documents(case).values())
        for document in documents:
            document.case = case
        documents.sort(key=lambda d: (d.created_at, d.pk))
        return DocumentSerializer(documents, many=True, context=self.context).data

    @extend_schema_field(PlanTaskSerializer(many=True))
    def get_plan_tasks(self, case):
        tasks = case.plan_tasks.select_related("service_type", "responsible_agency")
        return PlanTaskSerializer(tasks, many=True, context=self.context).data

    @extend_schema_field(VisitSerializer(many=True))
    def get_visits(self, case):
        data = VisitSerializer(case.visits.select_related("author"), many=True, context=self.context).data
        if not _readable(self, case):
            for visit in data:
                visit["child_said"] = visit["notes"] = None
        return data

    @extend_schema_field(ServiceDeliverySerializer(many=True))
    def get_services(self, case):
        services = case.services.select_related("service_type", "provider_agency")
        return ServiceDeliverySerializer(services, many=True, context=self.context).data

    @extend_schema_field(ApprovalSerializer(many=True))
    def get_approvals(self, case):
        return ApprovalSerializer(case.approvals.select_related("requested_by", "decided_by"), many=True).data

    @extend_schema_field(LevelChangeSerializer(many=True))
    def get_level_changes(self, case):
        return LevelChangeSerializer(case.level_changes.select_related("by"), many=True).data

    @extend_schema_field(TransitionSerializer(many=True))
    def get_transitions(self, case):
        return TransitionSerializer(case.transitions.select_related("by"), many=True).data


# --- Writing ------------------------------------------------------------------------------------


class CaseCreateSerializer(serializers.Serializer):
    """Open a case (Form 01). The clocks start from `received_at`."""

    child = serializers.UUIDField(help_text=_("The child's id (from /api/v1/children/)."))
    commune = serializers.CharField(help_text=_("5-digit code of the commune responsible: where it happened."))
    level = serializers.ChoiceField(choices=Level.choices)
    category = serializers.ChoiceField(choices=ChildCategory.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    source = serializers.ChoiceField(choices=Source.choices)
    received_at = serializers.DateTimeField(required=False, help_text=_(
        "When the information was received; now if left out."))
    is_emergency = serializers.BooleanField(default=False)
    abuse_types = serializers.SlugRelatedField(many=True, slug_field="code", queryset=AbuseType.objects.all(),
                                               required=False, default=list)
    abuse_setting = serializers.ChoiceField(choices=AbuseSetting.choices, required=False, allow_blank=True,
                                            default="")
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    intake = serializers.DictField(help_text=_("Form 01 fields (receiving_body is required); the reporter's "
                                               "identity is kept only with reporter_agrees."))
    assigned_worker = serializers.IntegerField(required=False, allow_null=True, help_text=_(
        "A supervisor may assign a social worker of the case's province (user id)."))

    def validate_child(self, value):
        child = children_visible_to(self.context["request"].user).filter(public_id=value).first()
        if child is None:
            raise serializers.ValidationError(_("No child with this id in your area."))
        if not child.is_active or child.merged_into_id:
            raise serializers.ValidationError(_("This child's record is inactive."))
        return child

    def validate_commune(self, value):
        commune = (Commune.objects.current().filter(area_q(self.context["request"].user, None))
                   .select_related("province").filter(code=str(value).strip()).first())
        if commune is None:
            raise serializers.ValidationError(_("No commune with this code in your area."))
        return commune

    def validate_intake(self, value):
        return form_content(IntakeForm, value)

    def validate(self, attrs):
        worker_id = attrs.pop("assigned_worker", None)
        if worker_id is not None:
            user = self.context["request"].user
            worker = User.objects.filter(pk=worker_id, role=Role.SOCIAL_WORKER, is_active=True).first()
            if user.role != Role.SUPERVISOR:
                raise serializers.ValidationError({"assigned_worker": [_("Only a supervisor assigns the case.")]})
            if worker is None or worker.province_id != attrs["commune"].province_id:
                raise serializers.ValidationError({"assigned_worker": [
                    _("Choose an active social worker of the case's province.")]})
            attrs["assigned_worker"] = worker
        attrs.setdefault("received_at", timezone.now())
        return attrs


class TransitionRequestSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[(m.action, m.label) for m in workflow.MOVES])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000, help_text=_(
        "Required for a rejection, a new plan and a reopening: the reason or comments."))


class DocumentRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[(k, DocumentKind(k).label) for k in DOCUMENT_FORMS])
    content = serializers.DictField(help_text=_("The fields of the form for this kind (see cases.documents)."))

    def validate(self, attrs):
        try:
            attrs["content"] = form_content(DOCUMENT_FORMS[attrs["kind"]], attrs["content"])
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"content": error.detail}) from error
        return attrs


class LevelRequestSerializer(serializers.Serializer):
    to_level = serializers.ChoiceField(choices=Level.choices)
    reason = serializers.CharField(max_length=5000)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(required=False)
