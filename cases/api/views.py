"""The cases API: the same scoped queryset, filters, forms and services as the web pages.

A case outside the caller's scope is a 404, as a missing one. A rule of the procedure that refuses
a change (cases.services.CaseError) is a 409 when it clashes with the case's current state (an
illegal move, a self-approval, a second open case at a level) and a 400 otherwise.
"""

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from audit.services import record_search, record_view
from cases import selectors, workflow
from cases import services as case_services
from cases.api import serializers as s
from cases.filters import CaseFilter
from cases.models import AbuseType, Approval, Case
from cases.permissions import can_open_case, can_work_on_case
from core.api.filters import FilterBackend
from core.columns import codes_of
from core.pagination import counted_from

ERRORS = {
    400: OpenApiResponse(s.ErrorSerializer, description="Bad input: `detail`, and `errors` by field."),
    403: OpenApiResponse(s.ErrorSerializer, description="Your role may not do this."),
    404: OpenApiResponse(s.ErrorSerializer, description="No such case in your scope."),
}
CONFLICT = {409: OpenApiResponse(s.ErrorSerializer, description=(
    "Refused by the state of the case: an illegal move, approving one's own plan or closure, a second "
    "open case at the same level."))}

CREATE_EXAMPLE = OpenApiExample("An emergency intervention case from the hotline", request_only=True, value={
    "child": "3f1c8a52-6b1e-4c55-9d0e-2a7a4c1b9e10",
    "commune": "03006",
    "level": "INTERVENTION",
    "category": "ABUSED",
    "channel": "PHONE",
    "source": "HOTLINE",
    "received_at": "2026-02-13T22:00:00+07:00",
    "is_emergency": True,
    "abuse_types": ["VIOLENCE"],
    "abuse_setting": "FAMILY",
    "summary": "Hàng xóm báo cháu bị cha dượng đánh nhiều lần, tối nay có vết bầm ở tay và mặt.",
    "intake": {
        "receiving_body": "Tổng đài điện thoại quốc gia bảo vệ trẻ em 111",
        "place": "Tổ dân phố 1, phường Sa Pa",
        "child_condition": "Có vết bầm ở tay và mặt, sợ hãi, không dám về nhà.",
        "current_caregiver": "Mẹ và cha dượng",
        "reporter_agrees": False,
    },
})
TRANSITION_EXAMPLES = [
    OpenApiExample("Submit the plan", request_only=True, value={"action": "submit_plan", "note": ""}),
    OpenApiExample("Return the plan with comments", request_only=True, value={
        "action": "reject_plan", "note": "Bổ sung kinh phí và người chịu trách nhiệm cho hỗ trợ tâm lý."}),
    OpenApiExample("Illegal move", response_only=True, status_codes=["409"], value={
        "detail": "“Approve closure” is not possible while the case is “Plan in progress”."}),
    OpenApiExample("Self-approval", response_only=True, status_codes=["409"], value={
        "detail": "Nobody approves what they submitted themselves."}),
]
DOCUMENT_EXAMPLE = OpenApiExample("Form 02 — initial risk assessment", request_only=True, value={
    "kind": "INITIAL_ASSESSMENT",
    "content": {"assessed_on": "2026-02-14", "risk_level": "HIGH", "emergency_needed": True,
                "harm": "Bị đánh gây thương tích nhẹ; người gây hại sống cùng nhà."},
})
LEVEL_EXAMPLE = OpenApiExample("De-escalate", request_only=True, value={
    "to_level": "EARLY_SUPPORT", "reason": "Cháu đã an toàn, gia đình hợp tác; chuyển sang hỗ trợ."})
TASK_EXAMPLE = OpenApiExample("A plan task", request_only=True, value={
    "title": "Tham vấn tâm lý 8 buổi", "service_type": "PSYCHOLOGICAL_THERAPY", "start_date": "2026-03-02",
    "end_date": "2026-04-30", "responsible": "Trung tâm Công tác xã hội tỉnh", "providers": "Chuyên viên tâm lý",
    "cost_vnd": 4000000,
})


class CaseRefused(exceptions.APIException):
    """A CaseError as an API error: 409 for a conflict with the case's state, else 400."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, error: case_services.CaseError):
        super().__init__(detail=str(error))
        self.status_code = status.HTTP_409_CONFLICT if error.conflict else status.HTTP_400_BAD_REQUEST


class CaseFilterBackend(FilterBackend):
    """CaseFilter takes the user: its commune and worker choices come from the user's scope."""

    def get_filterset_kwargs(self, request, queryset, view):
        return {**super().get_filterset_kwargs(request, queryset, view), "user": request.user}


# What a list row shows of its child, its worker and its province, as columns of the case's own row:
# their model objects (150 a page of 50) were a tenth of the case API's time (issue 9). The commune
# stays an object: the supervisor's check of each row reads its province (cases.permissions).
ROW_COLUMNS = {
    "child_public_id": F("child__public_id"), "child_registry_number": F("child__registry_number"),
    "child_full_name": F("child__full_name"), "province_code": F("commune__province__code"),
    "worker_username": F("assigned_worker__username"), "worker_first_name": F("assigned_worker__first_name"),
    "worker_last_name": F("assigned_worker__last_name"),
}


def with_row_columns(rows: QuerySet[Case]) -> QuerySet[Case]:
    """A list's rows (case_queryset, filtered) with their child, worker and province as columns,
    counted without those columns' joins."""
    return counted_from(rows.annotate(**ROW_COLUMNS), rows)


def case_queryset(user, *, detail: bool = False) -> QuerySet[Case]:
    """Cases in the user's scope, with what a list row needs in a fixed number of queries (and,
    for one case, all of it and who opened it: joining that for a list only made it slower to plan)."""
    pending = (Approval.objects.filter(case=OuterRef("pk"), decided_at__isnull=True)
               .order_by("-requested_at").values("requested_by_id")[:1])
    visible = selectors.cases_visible_to(user)
    if detail:
        rows = selectors.with_case_in_full(selectors.list_queryset(visible)).select_related(
            "commune__province", "opened_by")
    else:
        rows = selectors.list_rows(visible)
    return (rows.annotate(live_clock_rows=selectors.live_clocks_column())
            .annotate(abuse_type_codes=codes_of(AbuseType, "cases"))
            .annotate(pending_requested_by_id=Subquery(pending))
            .order_by("-received_at", "-pk"))


@extend_schema_view(
    list=extend_schema(summary="Cases in your scope", responses={200: s.CaseListSerializer(many=True)}),
    retrieve=extend_schema(summary="One case, with its forms and history (the view is logged)",
                           responses={200: s.CaseDetailSerializer, 404: ERRORS[404]}),
    create=extend_schema(summary="Open a case (Form 01)", request=s.CaseCreateSerializer,
                         responses={201: s.CaseDetailSerializer, **ERRORS, **CONFLICT}, examples=[CREATE_EXAMPLE]),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  viewsets.GenericViewSet):
    """Cases of the Decree 56/2017 procedure, scoped like the web (cases.selectors.cases_visible_to)."""

    lookup_field = "public_id"
    http_method_names = ["get", "post", "head", "options"]
    filter_backends = [CaseFilterBackend]
    filterset_class = CaseFilter
    serializer_class = s.CaseDetailSerializer

    def get_queryset(self):
        return case_queryset(self.request.user, detail=self.action != "list")

    def get_serializer_class(self):
        if self.action == "list":
            return s.CaseListSerializer
        if self.action == "create":
            return s.CaseCreateSerializer
        return s.CaseDetailSerializer

    def filter_queryset(self, queryset):
        # The filters are for the list; a case's own URL ignores them.
        return with_row_columns(super().filter_queryset(queryset)) if self.action == "list" else queryset

    def _case_response(self, case: Case, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=case.pk)
        return Response(s.CaseDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def _working_case(self) -> Case:
        case = self.get_object()
        if not can_work_on_case(self.request.user, case):
            raise exceptions.PermissionDenied(_("You are not working on this case."))
        return case

    def list(self, request, *args, **kwargs):
        if request.query_params.get("search"):
            record_search(request, "cases.case", {"search": request.query_params["search"]})
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        case = self.get_object()
        record_view(request, case, api=True)
        return Response(self.get_serializer(case).data)

    def create(self, request, *args, **kwargs):
        if not can_open_case(request.user):
            raise exceptions.PermissionDenied(_("Your role cannot open cases."))
        serializer = s.CaseCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        try:
            case = case_services.open_case(by=request.user, **serializer.validated_data)
        except case_services.CaseError as error:
            raise CaseRefused(error) from error
        return self._case_response(case, status.HTTP_201_CREATED)

    @extend_schema(summary="Move the case one step of the procedure", request=s.TransitionRequestSerializer,
                   responses={200: s.CaseDetailSerializer, **ERRORS, **CONFLICT}, examples=TRANSITION_EXAMPLES)
    @action(detail=True, methods=["post"])
    def transitions(self, request, public_id=None):
        case = self._working_case()
        serializer = s.TransitionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            case = case_services.apply_transition(case, by=request.user, **serializer.validated_data)
        except case_services.CaseError as error:
            raise CaseRefused(error) from error
        except workflow.IllegalMove as error:
            raise CaseRefused(case_services.CaseError(str(error), conflict=True)) from error
        return self._case_response(case)

    @extend_schema(summary="Fill in a step's form (a new version)", request=s.DocumentRequestSerializer,
                   responses={201: s.DocumentSerializer, **ERRORS, **CONFLICT}, examples=[DOCUMENT_EXAMPLE])
    @action(detail=True, methods=["post"])
    def documents(self, request, public_id=None):
        case = self._working_case()
        serializer = s.DocumentRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            document = case_services.save_document(case, by=request.user, **serializer.validated_data)
        except case_services.CaseError as error:
            raise CaseRefused(error) from error
        return Response(s.DocumentSerializer(document, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="Escalate or de-escalate the protection level", request=s.LevelRequestSerializer,
                   responses={200: s.CaseDetailSerializer, **ERRORS, **CONFLICT}, examples=[LEVEL_EXAMPLE])
    @action(detail=True, methods=["post"])
    def level(self, request, public_id=None):
        case = self._working_case()
        serializer = s.LevelRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            case = case_services.change_level(case, by=request.user, **serializer.validated_data)
        except case_services.CaseError as error:
            raise CaseRefused(error) from error
        return self._case_response(case)

    @extend_schema(methods=["GET"], summary="The plan's tasks (Form 04)", request=None,
                   responses={200: s.PlanTaskSerializer(many=True), 404: ERRORS[404]})
    @extend_schema(methods=["POST"], summary="Add a task to the plan being drafted", request=s.PlanTaskSerializer,
                   responses={201: s.PlanTaskSerializer, **ERRORS, **CONFLICT}, examples=[TASK_EXAMPLE])
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def tasks(self, request, public_id=None):
        if request.method == "GET":
            case = self.get_object()
            tasks = case.plan_tasks.select_related("service_type", "responsible_agency")
            return Response(s.PlanTaskSerializer(tasks, many=True, context=self.get_serializer_context()).data)
        case = self._working_case()
        serializer = s.PlanTaskSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        try:
            task = case_services.add_plan_task(case, by=request.user, **serializer.validated_data)
        except case_services.CaseError as error:
            raise CaseRefused(error) from error
        return Response(s.PlanTaskSerializer(task, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="Record a home visit or case note", request=s.VisitSerializer,
                   responses={201: s.VisitSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def visits(self, request, public_id=None):
        case = self._working_case()
        serializer = s.VisitSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        try:
            visit = case_services.record_visit(case, by=request.user, **serializer.validated_data)
        except case_services.CaseError as error:
            raise CaseRefused(error) from error
        return Response(s.VisitSerializer(visit).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Record a service delivered (against a plan task or not)",
                   request=s.ServiceDeliverySerializer, responses={201: s.ServiceDeliverySerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def services(self, request, public_id=None):
        case = self._working_case()
        context = {**self.get_serializer_context(), "case": case}
        serializer = s.ServiceDeliverySerializer(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        try:
            delivery = case_services.record_service(case, by=request.user, **serializer.validated_data)
        except case_services.CaseError as error:
            raise CaseRefused(error) from error
        return Response(s.ServiceDeliverySerializer(delivery, context=context).data, status=status.HTTP_201_CREATED)
