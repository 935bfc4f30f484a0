from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from collection.views import signin

urlpatterns = [
    path("admin/", admin.site.urls),
    # The reset form and link with their guards (issue 13), in place of Django's own of the same names.
    path("accounts/password_reset/", signin.PasswordResetRequestView.as_view(), name="password_reset"),
    path("accounts/reset/<uidb64>/<token>/", signin.PasswordResetLinkView.as_view(), name="password_reset_confirm"),
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

handler404 = "collection.views.errors.not_found"  # JSON under /api/, the portal's page elsewhere
