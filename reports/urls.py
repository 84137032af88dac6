from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("rebuild/", views.rebuild_view, name="rebuild"),
    path("builds/<int:pk>/", views.build_view, name="build"),
    path("export.<str:fmt>", views.export_view, name="export"),
    path("report/", views.print_view, name="print_report"),
    path("communes/<str:code>/", views.commune_view, name="commune"),
    path("communes/<str:code>/records/<str:indicator>/", views.drilldown_view, name="drilldown"),
    path("child-friendly/", views.assessment_list, name="assessment_list"),
    path("child-friendly/record/", views.assessment_record, name="assessment_record"),
    path("fund/", views.fund_list, name="fund_list"),
    path("fund/record/", views.fund_record, name="fund_record"),
    path("events/", views.event_list, name="event_list"),
    path("events/record/", views.event_record, name="event_record"),
]
