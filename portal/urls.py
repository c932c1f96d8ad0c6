from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from accounts import urls as account_urls
from exhibitors import directory, openapi
from exhibitors import urls as exhibitor_urls
from exhibitors import views as exhibitor_views
from fairs import urls as fair_urls
from fairs import views as fair_views
from matching import views as matching_views
from messaging import views as messaging_views
from outreach import views as outreach_views

from . import views

admin.site.site_header = admin.site.site_title = "Hamsaye · همسایه"

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include(account_urls)),
    path("o/<str:token>/", messaging_views.opt_out, name="opt_out"),
    path("messaging/inbound/<str:secret>/", messaging_views.inbound, name="sms_inbound"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/units/<int:pk>/", views.dashboard_unit, name="dashboard_unit"),
    path("dashboard/", include((exhibitor_urls.dashboard, "self"))),
    path("dashboard/invitations/<str:token>/", exhibitor_views.invitation, name="invitation"),
    path("dashboard/units/<int:pk>/apply/<slug:slug>/", fair_views.apply, name="apply"),
    path("dashboard/participations/<int:pk>/withdraw/", fair_views.withdraw, name="withdraw"),
    path(
        "dashboard/units/<int:pk>/contact/<int:match_pk>/",
        matching_views.contact_new,
        name="contact_new",
    ),
    path(
        "dashboard/units/<int:pk>/requests/",
        matching_views.contact_requests,
        name="contact_requests",
    ),
    path(
        "dashboard/units/<int:pk>/matches/<int:match_pk>/dismiss/",
        matching_views.match_dismiss,
        name="match_dismiss",
    ),
    path(
        "dashboard/units/<int:pk>/suggestions/",
        matching_views.suggestion_answer,
        name="suggestion_answer",
    ),
    path("dashboard/requests/<int:pk>/", matching_views.contact_request, name="contact_request"),
    path(
        "dashboard/requests/<int:pk>/decline/",
        matching_views.contact_decline,
        name="contact_decline",
    ),
    path("categories/search/", exhibitor_views.category_search, name="category_search"),
    path("suppliers/", directory.suppliers, name="suppliers"),
    path("api/v1/products/", directory.api_products, name="api_products"),
    path("api/v1/exhibitors/", directory.api_exhibitors, name="api_exhibitors"),
    path("api/v1/schema/", openapi.schema, name="api_schema"),  # issue 13: the API described
    path("healthz", directory.healthz, name="healthz"),
    path(
        "fairs/",
        include(
            (
                [
                    path("<slug:slug>/", matching_views.fair_detail, name="detail"),
                    *fair_urls.urlpatterns,
                ],
                "fairs",
            )
        ),
    ),
    # A unit's page shows its booths and neighbours: fairs serves it.
    path(
        "exhibitors/",
        include(([path("<int:pk>/", fair_views.exhibitor_detail, name="detail")], "exhibitors")),
    ),
    # issue 14: a campaign's short link, and claiming a unit from its page.
    path(
        "",
        include(
            (
                [
                    path("i/<str:code>", outreach_views.link, name="link"),
                    path(
                        "exhibitors/<int:pk>/claim/", outreach_views.unit_claim, name="unit_claim"
                    ),
                ],
                "outreach",
            )
        ),
    ),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
