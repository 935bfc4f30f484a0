from django.urls import path

from .views import public, reporting, review, submissions

urlpatterns = [
    path("", public.home, name="home"),
    path("data/", public.data_index, name="data_index"),
    path("data/<str:indicator>/", public.data_indicator, name="data_indicator"),
    path("data/<str:indicator>/<str:iso3>/", public.data_table, name="data_table"),
    path("submissions/", submissions.submission_list, name="submission_list"),
    path("submissions/new/", submissions.submission_new, name="submission_new"),
    path("submissions/<int:pk>/", submissions.submission_detail, name="submission_detail"),
    path("submissions/<int:pk>/status/", submissions.submission_status, name="submission_status"),
    path("submissions/<int:pk>/file/", submissions.submission_file, name="submission_file"),
    path("submissions/<int:pk>/annotated/", submissions.submission_annotated, name="submission_annotated"),
    path("submissions/<int:pk>/sources/<str:indicator>/", submissions.submission_source, name="submission_source"),
    path("submissions/<int:pk>/<str:action>/", submissions.submission_action, name="submission_action"),
    path("review/", submissions.review_queue, name="review_queue"),
    path("review/<int:pk>/", review.review_workspace, name="review_workspace"),
    path("review/<int:pk>/comments/", review.review_comment, name="review_comment"),
    path("rounds/<int:round_id>/<str:iso3>/", reporting.country_round, name="country_round"),
    path("rounds/<int:round_id>/<str:iso3>/workbook/", reporting.workbook_download, name="workbook_download"),
    path("rounds/<int:round_id>/<str:iso3>/tables/<str:indicator>/", reporting.table_entry, name="table_entry"),
]
