from django.urls import path

from . import views
from .transfer import urls as transfer_urls

app_name = "usecases"

urlpatterns = [
    # The registry: library, intake, detail, edit (views.py).
    path("", views.library, name="library"),
    path("new/", views.intake_start, name="intake_start"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/intake/<slug:step>/", views.intake_step, name="intake_step"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    *transfer_urls.urlpatterns,
]
