from django.urls import path

from hotline import views

app_name = "hotline"
urlpatterns = [
    path("", views.call_screen, name="call_screen"),
    path("start/", views.call_start, name="call_start"),
    path("quick/", views.quick_log_new, name="quick_log_new"),
    path("calls/", views.call_list, name="call_list"),
    path("calls/<uuid:public_id>/", views.call_detail, name="call_detail"),
    path("calls/<uuid:public_id>/draft/", views.call_draft, name="call_draft"),
    path("calls/<uuid:public_id>/complete/", views.call_complete, name="call_complete"),
    path("calls/<uuid:public_id>/quick/", views.call_quick_log, name="call_quick_log"),
    path("calls/<uuid:public_id>/escalate/", views.call_escalate, name="call_escalate"),
    path("calls/<uuid:public_id>/add-to-case/", views.call_add_to_case, name="call_add_to_case"),
    path("calls/<uuid:public_id>/callbacks/", views.callback_schedule, name="callback_schedule"),
    path("callbacks/", views.callback_queue, name="callback_queue"),
    path("callbacks/<int:pk>/attempts/", views.callback_attempt, name="callback_attempt"),
    path("search/children/", views.child_search, name="child_search"),
    path("search/children/pick/", views.child_pick, name="child_pick"),
    path("search/previous-calls/", views.previous_calls, name="previous_calls"),
    path("search/communes/", views.commune_options, name="commune_options"),
    path("figures/", views.figures, name="figures"),
    path("figures/live/", views.figures_live, name="figures_live"),
    path("report-111/", views.report_111, name="report_111"),
    path("report-111.xlsx", views.report_111_export, name="report_111_export"),
]
