"""The portfolio's addresses, below ``/portfolio/``."""

from django.urls import path

from . import portfolio_views as views

app_name = "portfolio"

urlpatterns = [
    path("", views.portfolio_page, name="page"),
    path("<slug:section>.csv", views.portfolio_csv, name="csv"),
]
