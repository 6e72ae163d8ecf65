from django.urls import path

from . import views

app_name = "literacy"

urlpatterns = [
    path("", views.course_list, name="course_list"),
    path("new/", views.course_create, name="course_create"),
    path("<int:pk>/", views.course_detail, name="course_detail"),
    path("<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("completions/<int:pk>/remove/", views.completion_remove, name="completion_remove"),
]
