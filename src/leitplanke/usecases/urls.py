from django.urls import path  # noqa: F401

from . import views  # noqa: F401
from .transfer import urls as transfer_urls

app_name = "usecases"

urlpatterns = [
    # The registry: library, intake, detail, edit (views.py).
    *transfer_urls.urlpatterns,
]
