from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

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
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api_docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api_redoc"),
    path("", include("collection.urls")),
]
