"""The audit log: an entry for every action (who, when, what, from which IP), append-only in Python, in the
database and in the admin; the audit page's filters and exports; and the history of one published value."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, connections, transaction
from django.test import RequestFactory
from django.utils import timezone

from collection.audit.record import AuditContextMiddleware, audit_record
from collection.demo.seed import demo_describe_sources
from collection.models import AuditAction, AuditEntry, Country, Observation, Submission
from collection.publication.publish import observations_publish
from collection.review.decisions import submission_approve
from collection.rounds import lifecycle as rounds
from collection.validation.run import submission_validate
from tests import factories
from tests.browser import needs_chromium, shot, sign_in

ROLES = ["anonymous", "fp_tha", "fp_mys", "reviewer", "admin"]
FORP = "MST_FORP_SEX_CBR_NB"
A = AuditAction


def entries(action: str, **filters) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, **filters).order_by("at", "id"))


def during_request(user, call):
    """Run a service as a page would: inside the audit middleware, for `user` at 127.0.0.1."""
    request = RequestFactory().post("/", REMOTE_ADDR="127.0.0.1")
    request.user = user
    out = {}

    def view(request):
        out["result"] = call()

    AuditContextMiddleware(view)(request)
    return out["result"]


def assert_answers(client, url: str, expected: int) -> None:
    """The page answers `expected`; a signed-out visitor is sent to the login page and back."""
    response = client.get(url)
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"] == f"/accounts/login/?next={url}"


def upload_through_the_page(client, round_, content: bytes, name: str = "tha-2024.csv") -> Submission:
    response = client.post(
        "/submissions/new/",
        {"round": round_.pk, "country": "THA", "file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Submission.objects.latest("id")


def checked(submission: Submission) -> Submission:
    """Validate in this process, as the worker does, and describe the sources as the focal point does."""
    submission_validate(submission_id=submission.pk)
    submission.refresh_from_db()
    demo_describe_sources(submission)
    return submission


# An entry for each action


def test_upload_records_who_when_what_and_the_ip(as_role, focal_point, open_round):
    before = timezone.now()
    submission = upload_through_the_page(as_role("fp_tha"), open_round, factories.sample_csv())
    [entry] = entries(A.SUBMISSION_UPLOADED)
    assert (entry.actor, entry.actor_name, entry.ip) == (focal_point, "fp_tha", "127.0.0.1")
    assert before <= entry.at <= timezone.now()
    assert (entry.object_type, entry.object_id, entry.country, entry.round_name) == (
        "submission",
        str(submission.pk),
        "THA",
        open_round.name,
    )
    assert entry.detail["file"] == "tha-2024.csv" and entry.detail["sha256"] == submission.sha256
    assert "tha-2024.csv" in entry.summary


def test_validation_moves_are_status_changes_by_the_system(focal_point, open_round):
    valid = checked(factories.upload(focal_point, open_round, factories.sample_csv()))
    invalid = checked(factories.upload(focal_point, open_round, b"ref_area,indicator\nTHA,NOPE\n"))
    assert (valid.status, invalid.status) == ("valid", "invalid")
    moves = [
        (e.object_id, e.detail["from"], e.detail["to"], e.actor_name, e.actor, e.ip)
        for e in entries(A.SUBMISSION_STATUS)
    ]
    assert moves == [
        (str(valid.pk), "received", "validating", "system", None, None),
        (str(valid.pk), "validating", "valid", "system", None, None),
        (str(invalid.pk), "received", "validating", "system", None, None),
        (str(invalid.pk), "validating", "invalid", "system", None, None),
    ]


def test_submit_and_approval_with_comment_are_recorded_from_the_pages(as_role, focal_point, reviewer, open_round):
    submission = checked(factories.upload(focal_point, open_round, factories.sample_csv()))
    factories.explain_warnings(focal_point, submission)
    as_role("fp_tha").post(f"/submissions/{submission.pk}/submit/")
    as_role("reviewer").post(f"/submissions/{submission.pk}/approve/", {"comment": "Matches the LFS report."})
    [submitted] = entries(A.SUBMISSION_SUBMITTED)
    [approved] = entries(A.SUBMISSION_APPROVED)
    assert (submitted.actor_name, submitted.ip, submitted.detail) == (
        "fp_tha",
        "127.0.0.1",
        {"from": "valid", "to": "submitted"},
    )
    assert (approved.actor, approved.ip, approved.object_id) == (reviewer, "127.0.0.1", str(submission.pk))
    assert approved.detail == {"from": "submitted", "to": "approved", "comment": "Matches the LFS report."}


def test_return_with_comment_is_recorded(as_role, reviewer, tha_submitted):
    as_role("reviewer").post(f"/submissions/{tha_submitted.pk}/return/", {"comment": "Please add the 2025 census."})
    [entry] = entries(A.SUBMISSION_RETURNED)
    assert (entry.actor, entry.ip, entry.country) == (reviewer, "127.0.0.1", "THA")
    assert entry.detail == {"from": "submitted", "to": "returned", "comment": "Please add the 2025 census."}


def test_publication_is_recorded_by_the_system_with_release_and_approver(focal_point, reviewer, tha_submitted):
    submission_approve(user=reviewer, submission=tha_submitted, comment="Fine.")
    publication = observations_publish(submission_id=tha_submitted.pk)
    [entry] = entries(A.SUBMISSION_PUBLISHED)
    assert (entry.actor, entry.actor_name, entry.ip) == (None, "system", None)
    assert entry.detail == {
        "from": "approved",
        "to": "published",
        "release": publication.release_id,
        "publication": publication.pk,
        "approved_by": "reviewer",
    }


def test_each_round_action_is_recorded_with_the_admin_and_the_ip(admin_user, catalogue):
    tha = Country.objects.get(iso3="THA")

    def do(call):
        return during_request(admin_user, call)

    terms = {"name": "ILMS 2026", "reference_years": [2025], "countries": ["THA", "MYS"], "tables": [FORP]}
    round_ = do(lambda: rounds.round_save(user=admin_user, deadline=dt.date(2026, 6, 30), **terms))
    do(lambda: rounds.round_save(user=admin_user, round_=round_, deadline=dt.date(2026, 7, 15), **terms))
    do(lambda: rounds.round_move(user=admin_user, round_=round_, action="open"))
    do(lambda: rounds.round_extend(user=admin_user, round_=round_, deadline=dt.date(2026, 8, 1)))
    do(lambda: rounds.round_extend(user=admin_user, round_=round_, deadline=dt.date(2026, 9, 1), country=tha))
    do(lambda: rounds.round_move(user=admin_user, round_=round_, action="close"))
    do(lambda: rounds.round_country_reopen(user=admin_user, round_=round_, country=tha, deadline=dt.date(2026, 10, 1)))
    do(lambda: rounds.round_move(user=admin_user, round_=round_, action="reopen"))
    do(lambda: rounds.round_move(user=admin_user, round_=round_, action="close"))
    do(lambda: rounds.round_move(user=admin_user, round_=round_, action="archive"))

    log = list(AuditEntry.objects.filter(object_type="round").order_by("at", "id"))
    assert [e.action for e in log] == [
        A.ROUND_CREATED,
        A.ROUND_CHANGED,
        A.ROUND_OPENED,
        A.ROUND_EXTENDED,
        A.ROUND_EXTENDED,
        A.ROUND_CLOSED,
        A.ROUND_COUNTRY_REOPENED,
        A.ROUND_REOPENED,
        A.ROUND_CLOSED,
        A.ROUND_ARCHIVED,
    ]
    assert {(e.actor_name, e.ip, e.object_type, e.object_id, e.round_name) for e in log} == {
        ("admin", "127.0.0.1", "round", str(round_.pk), "ILMS 2026")
    }
    changed, opened, whole, one = log[1], log[2], log[3], log[4]
    assert changed.detail == {"deadline": {"from": "2026-06-30", "to": "2026-07-15"}}
    assert opened.detail == {"from": "draft", "to": "open"}
    assert (whole.country, whole.detail["to"]) == ("", "2026-08-01")
    assert (one.country, one.detail) == ("THA", {"from": "2026-08-01", "to": "2026-09-01", "country": "THA"})
    assert (log[6].country, log[6].detail) == ("THA", {"reopened": True, "deadline": "2026-10-01"})


# Append-only


@pytest.fixture
def entry(catalogue):
    return audit_record(A.ROUND_OPENED, object_type="round", object_id=1, summary="Round X: draft → open.")


def test_an_entry_cannot_be_saved_again_or_deleted(entry):
    entry.summary = "rewritten"
    with pytest.raises(TypeError, match="append-only"):
        entry.save()
    with pytest.raises(TypeError, match="append-only"):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).summary == "Round X: draft → open."


def test_the_log_cannot_be_updated_or_deleted_in_bulk(entry):
    with pytest.raises(TypeError, match="append-only"):
        AuditEntry.objects.filter(pk=entry.pk).update(summary="rewritten")
    with pytest.raises(TypeError, match="append-only"):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.filter(pk=entry.pk, summary="Round X: draft → open.").exists()


def test_the_database_refuses_a_raw_update(entry):
    table = AuditEntry._meta.db_table
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET summary = 'rewritten' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).summary == "Round X: draft → open."


def test_postgresql_also_refuses_a_raw_delete(entry):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps DELETE for the test runner's flush (see migration 0007)")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_admin_shows_entries_but_cannot_add_change_or_delete_them(as_role, entry):
    client = as_role("admin")
    listing = client.get("/admin/collection/auditentry/?q=draft")
    assert listing.status_code == 200 and "Round X: draft → open." in listing.content.decode()
    assert 'value="delete_selected"' not in listing.content.decode()
    assert client.get("/admin/collection/auditentry/add/").status_code == 403
    change = f"/admin/collection/auditentry/{entry.pk}/change/"
    page = client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = client.post(change, {"summary": "rewritten", "actor_name": "someone"})
    assert response.status_code == 403
    assert client.post(f"/admin/collection/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).summary == "Round X: draft → open."


@pytest.mark.parametrize(
    "url",
    [
        "/admin/collection/round/",
        "/admin/collection/roundcountry/",
        "/admin/collection/invitation/",
        "/admin/collection/remindersent/",
    ],
)
def test_rounds_their_terms_invitations_and_reminders_are_read_only_in_the_admin(as_role, catalogue, url):
    """They change through the portal's services, which check each move and write the audit log."""
    client = as_role("admin")
    assert client.get(url).status_code == 200
    assert client.get(f"{url}add/").status_code == 403


def test_a_round_cannot_be_changed_in_the_admin(as_role, open_round):
    response = as_role("admin").post(
        f"/admin/collection/round/{open_round.pk}/change/", {"name": "Renamed", "status": "closed"}
    )
    assert response.status_code == 403
    open_round.refresh_from_db()
    assert (open_round.name, open_round.status) == ("ILMS test round", "open")


# The audit page: access, filters, export


@pytest.mark.parametrize("url", ["/audit/", "/audit/export/csv/", "/audit/export/xlsx/"])
@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 302), ("fp_tha", 404), ("fp_mys", 404), ("reviewer", 200), ("admin", 200)]
)
def test_the_audit_log_is_for_ilo_staff(as_role, entry, url, role, expected):
    assert_answers(as_role(role), url, expected)


def test_other_export_formats_are_404(as_role, entry):
    assert as_role("admin").get("/audit/export/json/").status_code == 404


def _at(day: int, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 3, day, hour))


@pytest.fixture
def log(catalogue, focal_point, reviewer, admin_user):
    """Four entries on different days, by different people, about different things."""
    rows = [
        (_at(1), focal_point, A.SUBMISSION_UPLOADED, "submission", "12", "THA", "ILMS 2026", "Uploaded tha.csv."),
        (_at(2), reviewer, A.SUBMISSION_RETURNED, "submission", "12", "THA", "ILMS 2026", "Returned: add 2025."),
        (_at(3), admin_user, A.ROUND_EXTENDED, "round", "4", "MYS", "ILMS 2026", "Deadline moved for Malaysia."),
        (_at(4, 23), admin_user, A.USER_ROLE, "user", "9", "", "", "Role of fp_x changed."),
    ]
    for at, actor, action, kind, pk, country, round_name, summary in rows:
        AuditEntry.objects.create(
            at=at,
            actor=actor,
            actor_name=actor.username,
            ip="10.0.0.7",
            action=action,
            object_type=kind,
            object_id=pk,
            country=country,
            round_name=round_name,
            summary=summary,
            detail={"from": "submitted", "to": "returned", "comment": "add 2025 → ok"} if "Returned" in summary else {},
        )
    factories.make_round(name="ILMS 2026")


def shown(response) -> list[str]:
    """The summaries on the page, in order."""
    page = response.content.decode()
    return [s for s in ("Role of fp_x", "Deadline moved", "Returned: add", "Uploaded tha") if s in page]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Role of fp_x", "Deadline moved", "Returned: add", "Uploaded tha"]),
        ("date_from=2026-03-02&date_to=2026-03-03", ["Deadline moved", "Returned: add"]),
        ("date_from=2026-03-04&date_to=2026-03-04", ["Role of fp_x"]),  # 23:00 is still the 'to' day
        ("actor=FP_THA", ["Uploaded tha"]),
        ("action=submission.returned", ["Returned: add"]),
        ("country=MYS", ["Deadline moved"]),
        ("round=ILMS+2026", ["Deadline moved", "Returned: add", "Uploaded tha"]),
        ("object=submission+12", ["Returned: add", "Uploaded tha"]),
        ("object=round+4", ["Deadline moved"]),
        ("object=%2312", ["Returned: add", "Uploaded tha"]),
        ("text=malaysia", ["Deadline moved"]),
        ("actor=admin&action=user.role", ["Role of fp_x"]),
    ],
)
def test_the_filters_narrow_the_log_newest_first(as_role, log, query, expected):
    response = as_role("reviewer").get(f"/audit/?{query}")
    assert response.status_code == 200
    assert shown(response) == expected


def test_a_bad_filter_says_so_and_shows_nothing(as_role, log):
    response = as_role("reviewer").get("/audit/?object=banana&date_from=2026-03-05&date_to=2026-03-01")
    page = response.content.decode()
    assert "Write the kind and the number" in page and "The end date is before the start date" in page
    assert shown(response) == []


def test_each_entry_shows_who_ip_action_object_and_readable_detail(as_role, log):
    page = as_role("admin").get("/audit/").content.decode()
    assert "10.0.0.7" in page and "Return</span>" in page and "fp_tha" in page
    assert 'href="/submissions/12/"' in page and 'href="/rounds/4/manage/"' in page and 'href="/people/9/"' in page
    assert "submitted → returned" in page and "<dt>Comment</dt><dd>add 2025 → ok</dd>" in page


def test_reviewers_are_not_linked_to_the_people_pages(as_role, log):
    page = as_role("reviewer").get("/audit/").content.decode()
    assert 'href="/rounds/4/manage/"' in page and 'href="/people/9/"' not in page


def test_the_action_filter_is_grouped_by_what_changed(as_role, log):
    page = as_role("reviewer").get("/audit/").content.decode()
    for group in ("Submissions", "Rounds", "Users and roles"):
        assert f'<optgroup label="{group}">' in page


def test_the_log_is_paginated(as_role, catalogue):
    for i in range(55):
        audit_record(A.ROUND_CHANGED, object_type="round", object_id=1, summary=f"Change number {i}.")
    client = as_role("reviewer")
    first, second = client.get("/audit/").content.decode(), client.get("/audit/?page=2").content.decode()
    assert "Change number 54." in first and "Change number 4." not in first
    assert "Change number 4." in second and "Page 2 of 2" in second


def test_no_match_says_so_and_offers_the_whole_log(as_role, log):
    page = as_role("reviewer").get("/audit/?actor=nobody").content.decode()
    assert "No entry matches these filters" in page and 'href="/audit/">Show every entry' in page


def test_csv_export_has_the_filtered_entries_and_reads_back(as_role, log):
    response = as_role("reviewer").get("/audit/export/csv/?object=submission+12")
    assert response["Content-Disposition"].startswith('attachment; filename="ilms-audit-log-')
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["summary"] for r in rows] == ["Returned: add 2025.", "Uploaded tha.csv."]
    returned = rows[0]
    assert (returned["actor_name"], returned["ip"], returned["action"], returned["action_label"]) == (
        "reviewer",
        "10.0.0.7",
        "submission.returned",
        "Return",
    )
    assert returned["at"].startswith("2026-03-02") and '"comment": "add 2025 → ok"' in returned["detail"]


def test_xlsx_export_reads_back(as_role, log):
    response = as_role("admin").get("/audit/export/xlsx/?object=submission+12")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    header, *rows = list(book.active.values)
    assert header[:6] == ("id", "at", "actor_name", "ip", "action", "action_label")
    assert [r[header.index("summary")] for r in rows] == ["Returned: add 2025.", "Uploaded tha.csv."]


def test_exports_never_hand_a_formula_to_a_spreadsheet(as_role, catalogue):
    audit_record(A.ROUND_CHANGED, object_type="round", object_id=1, round_name="=1+1", summary="x")
    csv_text = b"".join(as_role("admin").get("/audit/export/csv/?object=round+1").streaming_content).decode("utf-8-sig")
    assert "'=1+1" in csv_text
    xlsx = b"".join(as_role("admin").get("/audit/export/xlsx/?object=round+1").streaming_content)
    cell = openpyxl.load_workbook(io.BytesIO(xlsx)).active["K2"]
    assert (cell.value, cell.data_type) == ("=1+1", "s")


# The history of a published value


def publish(focal_point, reviewer, round_, content: bytes, *, name: str, comment: str) -> Submission:
    submission = checked(factories.upload(focal_point, round_, content, name=name))
    assert submission.status == "valid", list(submission.issues.values_list("message", flat=True))
    factories.submit(focal_point, submission)
    submission_approve(user=reviewer, submission=submission, comment=comment)
    observations_publish(submission_id=submission.pk)
    submission.refresh_from_db()
    return submission


def doubled_2025(content: bytes) -> bytes:
    """The same file with every 2025 value doubled: still consistent, but a year-on-year jump to explain."""
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    for row in rows:
        if row["time"] == "2025":
            row["obs_value"] = str(round(float(row["obs_value"]) * 2, 1))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def publish_twice(focal_point, reviewer, round_) -> tuple[Submission, Submission]:
    first = publish(focal_point, reviewer, round_, factories.sample_csv(), name="tha-v1.csv", comment="First release.")
    second = publish(
        focal_point,
        reviewer,
        round_,
        doubled_2025(factories.sample_csv()),
        name="tha-v2.csv",
        comment="Revised with the final LFS weights.",
    )
    return first, second


TOTAL_2025 = {"indicator": FORP, "sex": "SEX_T", "classif1": "CBR_BRT_TOTAL", "time": "2025"}


@pytest.fixture
def revised(focal_point, reviewer, open_round):
    """A value published, then revised by a second submission with another figure for the same key."""
    first, second = publish_twice(focal_point, reviewer, open_round)
    return first, second, Observation.objects.get(is_current=True, **TOTAL_2025)


def test_history_shows_every_version_current_first_with_its_provenance(as_role, revised):
    first, second, current = revised
    old = Observation.objects.get(is_current=False, **TOTAL_2025)
    assert current.obs_value == 2 * old.obs_value
    response = as_role("reviewer").get(f"/observations/{old.pk}/history/")  # any version leads to the whole key
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Current value") < page.index("Earlier value")
    assert page.index("tha-v2.csv") < page.index("tha-v1.csv")
    for submission, observation, comment in (
        (second, current, "Revised with the final LFS weights."),
        (first, old, "First release."),
    ):
        assert f'href="/submissions/{submission.pk}/"' in page
        assert f"{submission.original_filename}</a>, row {observation.source_row}" in page
        assert comment in page
    assert page.count("by fp_tha on") == 2 and page.count("by reviewer on") == 2
    assert f"replaced by release {current.publication.release_id}" in page
    history = response.context["history"]
    assert [v.observation.pk for v in history.versions] == [current.pk, old.pk]
    assert history.versions[0].change == current.obs_value - old.obs_value  # exact


def test_history_carries_the_submission_audit_trail(as_role, revised):
    version = as_role("fp_tha").get(f"/observations/{revised[2].pk}/history/").context["history"].versions[0]
    assert [r.entry.action for r in version.audit] == [
        A.SUBMISSION_UPLOADED,
        A.SUBMISSION_STATUS,
        A.SUBMISSION_STATUS,
        A.SUBMISSION_SUBMITTED,
        A.SUBMISSION_APPROVED,
        A.SUBMISSION_PUBLISHED,
    ]


def test_history_shows_the_focal_points_answer_to_a_warning_on_the_row(as_role, revised):
    _, second, _ = revised
    warning = second.issues.filter(
        severity="warning", rule="change.year_on_year", indicator=FORP, row__isnull=False
    ).first()
    assert warning is not None, list(second.issues.values_list("rule", flat=True))
    value = Observation.objects.get(submission_id=second.pk, source_row=warning.row)
    response = as_role("fp_tha").get(f"/observations/{value.pk}/history/")
    [(issue, answer)] = [w for w in response.context["history"].versions[0].warnings if w[0].pk == warning.pk]
    assert (answer.author.username, answer.text) == ("fp_tha", "Checked with the survey team.")
    page = response.content.decode()
    assert warning.message in page and "fp_tha explained" in page and "Checked with the survey team." in page


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 302), ("fp_tha", 200), ("fp_mys", 404), ("reviewer", 200), ("admin", 200)]
)
def test_history_is_for_the_country_and_the_ilo(as_role, revised, role, expected):
    assert_answers(as_role(role), f"/observations/{revised[2].pk}/history/", expected)


def test_history_of_an_unknown_value_is_404(as_role, catalogue):
    assert as_role("admin").get("/observations/999999/history/").status_code == 404


def test_the_data_page_links_each_value_to_its_history_for_those_who_may_trace_it(as_role, revised):
    _, _, current = revised
    link = f'href="/observations/{current.pk}/history/"'
    url = f"/data/{current.indicator}/THA/"
    for role, shown in (("anonymous", False), ("fp_mys", False), ("fp_tha", True), ("reviewer", True)):
        assert (link in as_role(role).get(url).content.decode()) is shown, role


# In a browser (screenshots for a person to look at)


@pytest.mark.django_db(transaction=True)
@needs_chromium
def test_a_reviewer_filters_the_log_and_opens_a_value_history(page, live_server, catalogue):
    focal_point = factories.make_user("fp_tha", "focal_point", ["THA"])
    reviewer = factories.make_user("reviewer", "reviewer")
    round_ = factories.make_round()
    publish_twice(focal_point, reviewer, round_)
    sign_in(page, live_server.url, "reviewer", "/audit/")
    shot(page, "5-audit-log")
    page.select_option("#id_action", "submission.approved")
    page.press("#id_text", "Enter")
    page.wait_for_url("**action=submission.approved**")
    assert page.locator("table.audit tbody tr").count() == 2
    shot(page, "5-audit-log-filtered")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "5-audit-log-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    current = Observation.objects.get(is_current=True, **TOTAL_2025)
    page.goto(f"{live_server.url}/observations/{current.pk}/history/")
    assert page.locator("section.obs-version").count() == 2
    shot(page, "5-observation-history")
    page.goto(f"{live_server.url}/")
    assert "revised, 0 unchanged" in page.locator("text=Latest publications >> xpath=..").inner_text()
    shot(page, "5-home-latest-publications")
    # Under Playwright's event loop the ORM used a connection of its own: close it before the database goes.
    connections.close_all()
