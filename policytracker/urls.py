from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from options.api import errors

admin.site.site_header = "policytracker"
admin.site.site_title = "policytracker"

# The schema and the documentation are read with GET: OPTIONS answers 405 (their metadata is no
# page or schema to render; Swagger UI's view failed on it with a 500).
NO_OPTIONS = {"metadata_class": None}

urlpatterns = [
    path("", RedirectView.as_view(url="/api/docs/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("options.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(**NO_OPTIONS), name="schema"),
    # The split view serves Swagger UI's starter script as a file (?script): no inline script,
    # so the Content-Security-Policy can forbid them.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", **NO_OPTIONS),
        name="swagger-ui",
    ),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(
            url_name="schema", template_name="api/redoc.html", **NO_OPTIONS
        ),
        name="redoc",
    ),
    # Last under api/: any other address there is a JSON 404 (see errors.api_not_found).
    re_path(r"^api(?:/|$)", errors.api_not_found),
    path("api-auth/", include("rest_framework.urls")),
    path("", include("options.urls")),
]

# Under /api/ Django's own error answers are problem details too (options/api/errors.py).
handler400 = "options.api.errors.bad_request"
handler403 = "options.api.errors.permission_denied"
handler404 = "options.api.errors.page_not_found"
handler500 = "options.api.errors.server_error"
