from django.urls import path

from . import views

app_name = "guardrails"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("publish/", views.publish, name="publish"),
    path("bundles/<int:pk>/", views.bundle_detail, name="bundle"),
    path("bundles/<int:pk>/download/", views.bundle_download, name="download"),
    path("preview/<int:pk>/", views.preview, name="preview"),
]
