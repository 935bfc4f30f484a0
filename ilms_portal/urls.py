from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("collection.api.urls")),
    path("sdmx/", include("collection.api.sdmx_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from its own URL: the page needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api_docs"),
    # Redoc's bundle writes its styles into <style> elements as it loads, before it could be given a nonce: it
    # cannot run under a policy with no inline style, so its address leads to the one documentation page.
    path("api/redoc/", RedirectView.as_view(pattern_name="api_docs"), name="api_redoc"),
    path("", include("collection.urls")),
]
