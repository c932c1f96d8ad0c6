from django.urls import path, register_converter

from . import views


class ItemKind:
    regex = "product|need"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(ItemKind, "kind")

# /dashboard/: a unit's self-service, for its members only (namespace "self").
dashboard = [
    path("units/new/", views.unit_new, name="unit_new"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/access/", views.access_request, name="access_request"),
    path("units/<int:pk>/<kind:kind>s/new/", views.item_new, name="item_new"),
    path("<kind:kind>s/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("<kind:kind>s/<int:pk>/delete/", views.item_delete, name="item_delete"),
    path("needs/from-search/", views.need_from_search, name="need_from_search"),
    path("units/<int:pk>/members/", views.members, name="members"),
    path(
        "units/<int:pk>/members/<int:membership_pk>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path(
        "units/<int:pk>/invitations/<int:invitation_pk>/withdraw/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
]
