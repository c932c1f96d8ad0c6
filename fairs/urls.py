from django.urls import path

from . import views

app_name = "fairs"
urlpatterns = [
    path("<slug:slug>/", views.fair_detail, name="detail"),
]
