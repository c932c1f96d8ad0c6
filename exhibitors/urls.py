from django.urls import path

from . import views

app_name = "exhibitors"
urlpatterns = [
    path("<int:pk>/", views.exhibitor_detail, name="detail"),
]
