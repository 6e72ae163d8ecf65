"""URLs of import and export (mounted inside the ``usecases`` namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("import/", views.import_usecases, name="import"),
    path("export/<slug:fmt>/", views.export_inventory, name="export"),
]
