"""The web path: upload form, live status, report, submit, the reviewer's decision, the public tables."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from collection.models import Observation, Review, Round, Submission
from collection.publication.publish import observations_publish
from collection.review.decisions import submission_approve, submission_return, submission_submit
from tests import factories


def test_upload_form_lists_only_open_rounds_of_the_users_countries(client, focal_point, open_round):
    factories.make_round(name="Old round", status=Round.Status.CLOSED)
    factories.make_round(name="Other countries", countries=("VNM",))
    client.force_login(focal_point)
    page = client.get("/submissions/new/").content.decode()
    assert open_round.name in page
    assert "Old round" not in page and "Other countries" not in page
    assert 'value="THA"' in page and 'value="MYS"' not in page


def test_upload_form_keeps_the_file_and_shows_the_report_page(client, focal_point, open_round):
    client.force_login(focal_point)
    response = client.post(
        "/submissions/new/",
        {"round": open_round.pk, "country": "THA", "file": SimpleUploadedFile("tha.csv", factories.sample_csv())},
    )
    submission = Submission.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/submissions/{submission.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "File received" in page
    assert "Checking the file" in page or "Waiting for the worker" in page
    assert f'hx-get="/submissions/{submission.pk}/status/' in page


def test_upload_form_without_a_file_shows_the_error(client, focal_point, open_round):
    client.force_login(focal_point)
    response = client.post("/submissions/new/", {"round": open_round.pk, "country": "THA"})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not Submission.objects.exists()


def test_status_panel_polls_until_the_worker_is_done_then_reloads(client, focal_point, open_round):
    submission = factories.upload(focal_point, open_round, factories.sample_csv())
    client.force_login(focal_point)
    waiting = client.get(f"/submissions/{submission.pk}/status/?was=received")
    assert "HX-Refresh" not in waiting and 'hx-trigger="every 1s"' in waiting.content.decode()
    Submission.objects.filter(pk=submission.pk).update(status="valid")
    done = client.get(f"/submissions/{submission.pk}/status/?was=received")
    assert done["HX-Refresh"] == "true"
    assert "hx-trigger" not in done.content.decode()


def test_report_page_lists_issues_with_row_and_column_and_filters_by_rule(client, focal_point, open_round):
    bad = factories.sample_csv().replace(b",SEX_F,", b",SEX_Z,", 1).replace(b",2024,", b",2019,", 1)
    submission = factories.validated(focal_point, open_round, bad)
    client.force_login(focal_point)
    page = client.get(f"/submissions/{submission.pk}/").content.decode()
    assert "time.out_of_round" in page and "code.invalid" in page
    assert "outside the round&#x27;s reference years" in page
    filtered = client.get(f"/submissions/{submission.pk}/?rule=code.invalid").content.decode()
    assert "SEX_Z" in filtered and "time 2019" not in filtered
    assert "Submit for review" not in page


def test_focal_point_submits_from_the_page(client, focal_point, open_round):
    submission = factories.validated(focal_point, open_round)
    client.force_login(focal_point)
    assert "Submit for review" in client.get(f"/submissions/{submission.pk}/").content.decode()
    response = client.post(f"/submissions/{submission.pk}/submit/", follow=True)
    assert "Submitted to the ILO for review" in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == "submitted"


def test_reviewer_returns_with_a_comment_and_the_focal_point_reads_it(client, focal_point, reviewer, open_round):
    submission = factories.validated(focal_point, open_round)
    submission_submit(user=focal_point, submission=submission)
    client.force_login(reviewer)
    assert "Return with comment" in client.get(f"/submissions/{submission.pk}/").content.decode()
    response = client.post(f"/submissions/{submission.pk}/return/", {"comment": ""}, follow=True)
    assert "comment is required" in response.content.decode()
    client.post(f"/submissions/{submission.pk}/return/", {"comment": "2024 SEX_T looks low."})
    submission.refresh_from_db()
    assert submission.status == "returned"
    client.force_login(focal_point)
    page = client.get(f"/submissions/{submission.pk}/").content.decode()
    assert "2024 SEX_T looks low." in page and "upload a new version" in page


def test_reviewer_approves_from_the_page(client, focal_point, reviewer, open_round):
    submission = factories.validated(focal_point, open_round)
    submission_submit(user=focal_point, submission=submission)
    client.force_login(reviewer)
    queue = client.get("/review/").content.decode()
    assert f"#{submission.pk}" in queue
    client.post(f"/submissions/{submission.pk}/approve/", {"comment": "Fine."})
    submission.refresh_from_db()
    assert submission.status == "approved"
    assert Review.objects.get(submission=submission).comment == "Fine."


def test_focal_point_describes_a_source(client, focal_point, open_round):
    submission = factories.validated(focal_point, open_round, described=False)
    client.force_login(focal_point)
    url = f"/submissions/{submission.pk}/sources/MST_FORP_SEX_CBR_NB/"
    assert client.get(url).status_code == 200
    client.post(
        url,
        {
            "source_type": "BA",
            "name": "LFS 2025",
            "agency": "NSO",
            "reference_period": "2025",
            "coverage": "National",
            "migrant_definition": "place_of_birth",
            "notes": "",
        },
    )
    source = submission.sources.get()
    assert (source.indicator, source.name, source.source_type_id) == ("MST_FORP_SEX_CBR_NB", "LFS 2025", "BA")
    assert "LFS 2025" in client.get(f"/submissions/{submission.pk}/").content.decode()


def test_public_pages_show_the_published_table(client, focal_point, reviewer, open_round):
    submission = factories.validated(focal_point, open_round)
    submission_submit(user=focal_point, submission=submission)
    submission_approve(user=reviewer, submission=submission)
    observations_publish(submission_id=submission.pk)
    index = client.get("/data/").content.decode()
    assert "MST_FORP_SEX_CBR_NB" in index and "2024–2025" in index
    assert "Thailand" in client.get("/data/MST_FORP_SEX_CBR_NB/").content.decode()
    table = client.get("/data/MST_FORP_SEX_CBR_NB/THA/").content.decode()
    total = Observation.objects.get(
        is_current=True, indicator="MST_FORP_SEX_CBR_NB", sex="SEX_T", classif1="CBR_BRT_TOTAL", time="2025"
    )
    assert f"{total.obs_value:.1f}" in table


def test_a_focal_point_lands_on_their_country_page_for_the_open_round(client, focal_point, open_round):
    client.force_login(focal_point)
    response = client.get("/", follow=True)
    assert response.redirect_chain == [(f"/rounds/{open_round.pk}/THA/", 302)]
    page = response.content.decode()
    assert "Thailand · " + open_round.name in page and "Deadline 31 January 2027" in page
    assert "Download the workbook" in page and "Enter data in the browser" in page
    assert page.count("Not started") == open_round.tables.count()
    assert "Nothing uploaded yet for this round" in page


def test_country_page_shows_each_tables_status_and_the_reviewers_comment(client, focal_point, reviewer, catalogue):
    open_round = factories.make_round(tables=[*factories.SMALL_TABLES, "MST_TEMP_SEX_ECO_CBR_NB"])
    submission = factories.validated(focal_point, open_round)
    factories.submit(focal_point, submission)  # the ECO table is missing: its completeness warning is answered
    submission_return(user=reviewer, submission=submission, comment="Check the partner totals.")
    factories.validated(focal_point, open_round, factories.sample_csv(indicators=["MST_FORP_SEX_CBR_NB"]))
    client.force_login(focal_point)

    def statuses() -> dict[str, str]:
        page = client.get(f"/rounds/{open_round.pk}/THA/").content.decode()
        return {
            chunk.split("</code>")[0]: chunk.split("status-")[1].split('"')[0]
            for chunk in page.split("<code>")[1:]
            if "status-" in chunk
        }

    assert "Check the partner totals." in client.get(f"/rounds/{open_round.pk}/THA/").content.decode()
    found = statuses()
    assert found["MST_TPOP_SEX_AGE_CBR_NB"] == "returned"
    assert found["MST_FORP_SEX_CBR_NB"] == "valid"
    assert found["MST_TEMP_SEX_ECO_CBR_NB"] == "not_started"
    factories.upload(focal_point, open_round, factories.sample_csv())  # the worker has not read it yet
    assert set(statuses().values()) == {"uploaded"}
