from django.urls import path

from agencies import views

app_name = "agencies"
urlpatterns = [
    path("", views.agency_list, name="agency_list"),
    path("<uuid:public_id>/", views.agency_detail, name="agency_detail"),
]
