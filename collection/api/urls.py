from django.urls import path
from rest_framework.routers import DefaultRouter

from collection.api import tokens, views

router = DefaultRouter()
router.register("tables", views.TableViewSet, basename="table")
router.register("rounds", views.RoundViewSet, basename="round")
router.register("submissions", views.SubmissionViewSet, basename="submission")
router.register("releases", views.ReleaseViewSet, basename="release")
router.register("observations", views.ObservationViewSet, basename="observation")

urlpatterns = [
    # The signed-in user's own API token (issue 13): see, create, revoke; rotate.
    path("token/", tokens.ApiTokenView.as_view(), name="api-token"),
    path("token/rotate/", tokens.ApiTokenRotateView.as_view(), name="api-token-rotate"),
    *router.urls,
]
