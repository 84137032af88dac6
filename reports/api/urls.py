from django.urls import path

from reports.api.views import StatisticsView

urlpatterns = [path("", StatisticsView.as_view(), name="api-statistics")]
