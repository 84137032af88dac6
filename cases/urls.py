from django.urls import path

from cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("export.csv", views.case_export, name="case_export"),
    path("filters/", views.case_filters, name="case_filters"),
    path("open/", views.case_open, name="case_open"),
    path("my-work/", views.my_work, name="my_work"),
    path("team/", views.team, name="team"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
    # Reminders (cases.reminders) link here.
    path("<uuid:public_id>/", views.case_detail, name="case_detail"),
    path("<uuid:public_id>/transition/", views.case_transition, name="case_transition"),
    path("<uuid:public_id>/documents/<slug:kind>/", views.document_edit, name="document_edit"),
    path("<uuid:public_id>/level/", views.level_change, name="level_change"),
    path("<uuid:public_id>/tasks/", views.task_add, name="task_add"),
    path("<uuid:public_id>/tasks/<int:task_id>/remove/", views.task_remove, name="task_remove"),
    path("<uuid:public_id>/visits/", views.visit_add, name="visit_add"),
    path("<uuid:public_id>/services/", views.service_add, name="service_add"),
    path("<uuid:public_id>/attachments/", views.attachment_add, name="attachment_add"),
    path("<uuid:public_id>/attachments/<int:attachment_id>/", views.attachment_download,
         name="attachment_download"),
    path("<uuid:public_id>/reassign/", views.reassign, name="reassign"),
    path("<uuid:public_id>/transfer/", views.transfer, name="transfer"),
    path("<uuid:public_id>/separation/lift/", views.lift_separation, name="lift_separation"),
    path("<uuid:public_id>/forms/<str:form_no>/print/", views.form_print, name="form_print"),
]
