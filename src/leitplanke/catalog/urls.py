from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.tool_list, name="tool_list"),
    path("new/", views.tool_create, name="tool_create"),
    path("<int:pk>/", views.tool_detail, name="tool_detail"),
    path("<int:pk>/edit/", views.tool_edit, name="tool_edit"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_create, name="request_create"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request_decide"),
]
