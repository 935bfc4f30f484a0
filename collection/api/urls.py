from rest_framework.routers import DefaultRouter

from collection.api import views

router = DefaultRouter()
router.register("tables", views.TableViewSet, basename="table")
router.register("rounds", views.RoundViewSet, basename="round")
router.register("submissions", views.SubmissionViewSet, basename="submission")
router.register("releases", views.ReleaseViewSet, basename="release")
router.register("observations", views.ObservationViewSet, basename="observation")

urlpatterns = router.urls
