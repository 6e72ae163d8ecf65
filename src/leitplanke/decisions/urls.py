from django.urls import path

from . import views

app_name = "decisions"

urlpatterns = [
    path("", views.review_list, name="review_list"),
    path("metrics/", views.metrics, name="metrics"),
    path("metrics/waiting.csv", views.metrics_waiting_csv, name="metrics_waiting_csv"),
    path("<int:pk>/", views.review_detail, name="review_detail"),
    path("usecases/<int:pk>/approve/", views.usecase_approve, name="usecase_approve"),
    path("usecases/<int:pk>/stage/", views.usecase_stage, name="usecase_stage"),
    path("obligations/<int:pk>/done/", views.obligation_done, name="obligation_done"),
    path("obligations/<int:pk>/evidence/", views.evidence_download, name="evidence_download"),
]
