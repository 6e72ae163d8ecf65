from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("area/<slug:key>/", views.area, name="area"),
    path("usecases/<int:pk>/steckbrief.pdf", views.usecase_pdf, name="usecase_pdf"),
    path("portfolio/report.<slug:fmt>", views.portfolio_report, name="portfolio_report"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]
