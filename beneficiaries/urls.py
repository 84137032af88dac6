from django.urls import path

from beneficiaries import exports, import_views, views

app_name = "beneficiaries"
urlpatterns = [
    path("", views.child_list, name="child_list"),
    path("filters/", views.child_filters, name="child_filters"),
    path("register/", views.child_register, name="child_register"),
    path("export.<str:fmt>", exports.child_export, name="child_export"),
    path("villages/", views.village_options, name="village_options"),
    path("import/", import_views.import_upload, name="import_upload"),
    path("import/template.<str:fmt>", import_views.import_template, name="import_template"),
    path("import/<uuid:public_id>/", import_views.import_preview, name="import_preview"),
    path("import/<uuid:public_id>/run/", import_views.import_run, name="import_run"),
    path("import/<uuid:public_id>/progress/", import_views.import_progress, name="import_progress"),
    path("duplicates/", views.duplicate_queue, name="duplicate_queue"),
    path("duplicates/<int:suspect_id>/", views.duplicate_review, name="duplicate_review"),
    path("merges/<int:merge_id>/undo/", views.merge_undo, name="merge_undo"),
    path("<uuid:public_id>/", views.child_detail, name="child_detail"),
    path("<uuid:public_id>/edit/", views.child_edit, name="child_edit"),
    path("<uuid:public_id>/history/", views.child_history, name="child_history"),
    path("<uuid:public_id>/viewers/", views.child_viewers, name="child_viewers"),
    path("<uuid:public_id>/caregivers/", views.caregiver_add, name="caregiver_add"),
    path("<uuid:public_id>/circumstances/", views.circumstance_add, name="circumstance_add"),
    path("<uuid:public_id>/circumstances/<int:circumstance_id>/end/", views.circumstance_end,
         name="circumstance_end"),
    path("<uuid:public_id>/consents/", views.consent_add, name="consent_add"),
    path("<uuid:public_id>/consents/<int:consent_id>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("<uuid:public_id>/sensitive/", views.sensitive_edit, name="sensitive_edit"),
    path("<uuid:public_id>/deactivate/", views.child_deactivate, name="child_deactivate"),
    path("<uuid:public_id>/reactivate/", views.child_reactivate, name="child_reactivate"),
]
