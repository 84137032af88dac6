from django.urls import path

from geography import views

app_name = "geography"
urlpatterns = [
    path("communes/", views.commune_list, name="commune_list"),
    path("communes/<str:code>/", views.commune_detail, name="commune_detail"),
    path("communes/<str:code>/villages/<int:village_id>/toggle/", views.village_toggle, name="village_toggle"),
]
