from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from collection.views import (
    audit,
    downloads,
    explorer,
    oversight,
    overviews,
    people,
    preferences,
    public,
    registers,
    releases,
    reporting,
    review,
    rounds,
    submissions,
)

urlpatterns = [
    path("", public.home, name="home"),
    path("favicon.ico", RedirectView.as_view(url=static("collection/favicon.svg"), permanent=True)),
    path("data/", public.data_index, name="data_index"),
    path("data/<str:indicator>/", public.data_indicator, name="data_indicator"),
    path("data/<str:indicator>/<str:iso3>/", public.data_table, name="data_table"),
    # ILOSTAT's bulk files of the public values, per table and for all tables.
    path("downloads/", downloads.downloads_page, name="downloads"),
    path("downloads/<str:name>", downloads.download_file, name="download_file"),
    # The public data explorer: choose, chart, share and download a series.
    path("explore/", explorer.explore, name="explore"),
    path("explore/download/<str:fmt>/", explorer.explore_download, name="explore_download"),
    # Releases: the public calendar, one release, the Atom feed; admins schedule, move and withdraw.
    path("releases/", releases.release_calendar, name="release_calendar"),
    path("releases/feed/", releases.ReleaseFeed(), name="release_feed"),
    path("releases/new/", releases.release_new, name="release_create"),
    path("releases/<int:pk>/", releases.release_detail, name="release_detail"),
    path("releases/<int:pk>/edit/", releases.release_edit, name="release_edit"),
    path("releases/<int:pk>/withdraw/", releases.release_withdraw_view, name="release_withdraw"),
    path("submissions/", submissions.submission_list, name="submission_list"),
    path("submissions/new/", submissions.submission_new, name="submission_new"),
    path("submissions/<int:pk>/", submissions.submission_detail, name="submission_detail"),
    path("submissions/<int:pk>/status/", submissions.submission_status, name="submission_status"),
    path("submissions/<int:pk>/file/", submissions.submission_file, name="submission_file"),
    path("submissions/<int:pk>/annotated/", submissions.submission_annotated, name="submission_annotated"),
    path(
        "submissions/<int:pk>/annotated/status/",
        submissions.submission_annotated_status,
        name="submission_annotated_status",
    ),
    path("submissions/<int:pk>/sources/<str:indicator>/", submissions.submission_source, name="submission_source"),
    path("submissions/<int:pk>/<str:action>/", submissions.submission_action, name="submission_action"),
    path("review/", submissions.review_queue, name="review_queue"),
    path("review/<int:pk>/", review.review_workspace, name="review_workspace"),
    path("review/<int:pk>/comments/", review.review_comment, name="review_comment"),
    # Running consultation rounds (admins; reviewers read); these come before the per-country paths below.
    path("rounds/", rounds.round_list, name="round_list"),
    path("rounds/new/", rounds.round_create, name="round_create"),
    path("rounds/<int:round_id>/manage/", rounds.round_manage, name="round_manage"),
    path("rounds/<int:round_id>/edit/", rounds.round_edit, name="round_edit"),
    path("rounds/<int:round_id>/action/<str:action>/", rounds.round_action, name="round_action"),
    path("rounds/<int:round_id>/dashboard/", oversight.round_dashboard, name="round_dashboard"),
    path("rounds/<int:round_id>/dashboard/<str:fmt>/", oversight.round_dashboard_export, name="round_dashboard_export"),
    path("rounds/<int:round_id>/<str:iso3>/", reporting.country_round, name="country_round"),
    path("rounds/<int:round_id>/<str:iso3>/workbook/", reporting.workbook_download, name="workbook_download"),
    path("rounds/<int:round_id>/<str:iso3>/tables/<str:indicator>/", reporting.table_entry, name="table_entry"),
    # Per-country reports: what is published (public) and which national sources feed it.
    path("countries/", registers.country_index, name="country_index"),
    path("countries/asean/", overviews.asean_page, name="asean_overview"),
    path("regions/", overviews.regions_page, name="region_index"),
    path("regions/<str:code>/", overviews.region_page, name="region_overview"),
    path("countries/<str:iso3>/", overviews.country_page, name="country_overview"),
    path("countries/<str:iso3>/availability/", registers.data_availability, name="data_availability"),
    path("countries/<str:iso3>/availability/xlsx/", registers.data_availability_xlsx, name="data_availability_xlsx"),
    path("countries/<str:iso3>/sources/", registers.source_register, name="source_register"),
    # People: focal points and ILO staff (admins), invitations, e-mail settings (each user).
    path("people/", people.people_list, name="people_list"),
    path("people/invite/", people.people_invite, name="people_invite"),
    path("people/<int:pk>/", people.people_edit, name="people_edit"),
    path("people/<int:pk>/<str:action>/", people.people_action, name="people_action"),
    path("invitation/<uidb64>/<token>/", people.invitation_accept, name="invitation_accept"),
    path("account/notifications/", preferences.notification_settings, name="notification_settings"),
    path("account/api-token/", preferences.api_token, name="api_token_settings"),
    # The audit log and the history of one published value.
    path("audit/", audit.audit_log, name="audit_log"),
    path("audit/export/<str:fmt>/", audit.audit_export, name="audit_export"),
    path("observations/<int:pk>/history/", audit.observation_history, name="observation_history"),
]
