from django.urls import path

from . import views

# The fair's own page shows matches: portal/urls.py adds it from matching.
urlpatterns = [
    path("<slug:slug>/plan/", views.plan, name="plan"),
    path("<slug:slug>/plan/<str:hall>/", views.plan, name="plan_hall"),
    path("<slug:slug>/plan/<str:hall>/cards/", views.booth_cards, name="hall_cards"),
    path("<slug:slug>/booths/<str:code>/card/", views.booth_cards, name="booth_card"),
]
