from django.urls import path

from . import views

app_name = "impact"

urlpatterns = [
    path("", views.objective_list, name="objective_list"),
    path("new/", views.objective_create, name="objective_create"),
    path("<int:pk>/", views.objective_detail, name="objective_detail"),
    path("<int:pk>/edit/", views.objective_edit, name="objective_edit"),
    path("usecases/<int:pk>/objectives/", views.usecase_objectives, name="usecase_objectives"),
    path("usecases/<int:pk>/kpis/new/", views.kpi_create, name="kpi_create"),
    path("kpis/<int:pk>/", views.kpi_detail, name="kpi_detail"),
    path("kpis/<int:pk>/edit/", views.kpi_edit, name="kpi_edit"),
]
