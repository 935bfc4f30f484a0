"""The focal point sees where things stand: a returned submission's comment and the next step on the country
page (until a newer file replaces it), a button to upload the corrected file from an invalid report, and an
upload form that explains both kinds of file."""

from __future__ import annotations

import pytest

from collection.review.decisions import submission_return
from collection.rounds import lifecycle as rounds
from tests import factories

COMMENT = "The 2025 foreign-born total for 15-24 looks low against the LFS release: please check the age split."


@pytest.fixture
def returned(focal_point, reviewer, tha_submitted):
    return submission_return(user=reviewer, submission=tha_submitted, comment=COMMENT)


def upload_again_link(round_) -> str:
    return f'href="/submissions/new/?round={round_.pk}&amp;country=THA">Upload the corrected file</a>'


def test_the_country_page_shows_the_returned_comment_and_the_next_step(as_role, returned, open_round):
    page = as_role("fp_tha").get(f"/rounds/{open_round.pk}/THA/").content.decode()
    assert "Returned with comments: correct the file and upload it again" in page
    assert "reviewer returned submission" in page and COMMENT in page
    assert "<strong>Next step:</strong> correct the file and upload it again" in page
    assert upload_again_link(open_round) in page


def test_the_returned_notice_goes_once_a_newer_submission_exists(as_role, focal_point, returned, open_round):
    factories.validated(focal_point, open_round)  # the corrected file
    page = as_role("fp_tha").get(f"/rounds/{open_round.pk}/THA/").content.decode()
    assert "Returned with comments" not in page and "Next step:" not in page
    assert COMMENT not in page  # the tables now show the new file's status, not the old comment


def test_reviewers_read_the_returned_comment_without_an_upload_button(as_role, returned, open_round):
    page = as_role("reviewer").get(f"/rounds/{open_round.pk}/THA/").content.decode()
    assert COMMENT in page and "Upload the corrected file" not in page


def test_an_invalid_report_offers_to_upload_the_corrected_file_for_the_same_round_and_country(
    as_role, focal_point, open_round
):
    bad = factories.sample_csv().replace(b",SEX_F,", b",SEX_Z,", 1)
    submission = factories.validated(focal_point, open_round, bad)
    assert submission.status == "invalid"
    page = as_role("fp_tha").get(f"/submissions/{submission.pk}/").content.decode()
    assert "Correct the errors and upload the file again" in page
    assert upload_again_link(open_round) in page
    form = as_role("fp_tha").get(f"/submissions/new/?round={open_round.pk}&country=THA").content.decode()
    assert f'<option value="{open_round.pk}" selected>' in form and '<option value="THA" selected>' in form


def test_a_valid_report_has_no_upload_again_button(as_role, tha_valid):
    page = as_role("fp_tha").get(f"/submissions/{tha_valid.pk}/").content.decode()
    assert "Upload the corrected file" not in page


def test_a_returned_report_offers_the_upload_too(as_role, returned, open_round):
    page = as_role("fp_tha").get(f"/submissions/{returned.pk}/").content.decode()
    assert "Correct the file and upload it again" in page and upload_again_link(open_round) in page


def test_a_closed_round_says_why_instead_of_offering_an_upload_it_would_refuse(
    as_role, focal_point, admin_user, open_round
):
    bad = factories.sample_csv().replace(b",SEX_F,", b",SEX_Z,", 1)
    submission = factories.validated(focal_point, open_round, bad)
    rounds.round_move(user=admin_user, round_=open_round, action="close")
    page = as_role("fp_tha").get(f"/submissions/{submission.pk}/").content.decode()
    assert "Upload the corrected file" not in page
    assert "uploads are no longer accepted. Ask the ILO to reopen it for Thailand" in page


def test_the_upload_form_explains_the_workbook_and_the_long_layout(as_role, open_round):
    page = as_role("fp_tha").get(f"/submissions/new/?round={open_round.pk}&country=THA").content.decode()
    assert "The standard workbook" in page and "The long layout" in page
    assert f'<a href="/rounds/{open_round.pk}/THA/">your country\'s page for this round</a>' in page
    assert "in the white cells" in page  # what the workbook really has: white input cells, not yellow
    for column in ("ref_area", "indicator", "source", "sex", "classif1", "classif2", "time", "obs_value"):
        assert f"<code>{column}</code>" in page
    assert "CSV (UTF-8, comma or semicolon), or as XLSX or ODS" in page


def test_the_upload_form_links_no_page_the_user_cannot_open(as_role, open_round):
    page = as_role("fp_tha").get(f"/submissions/new/?round={open_round.pk}&country=MYS").content.decode()
    assert "/MYS/" not in page and 'on the <a href="/">home page</a>' in page
    assert as_role("fp_tha").get("/submissions/new/?round=abc&country=THA").status_code == 200


def test_the_file_picker_offers_the_files_spreadsheet_programs_save(as_role, open_round):
    """A LibreOffice user's .ods must be selectable in the browser's file dialog, as the portal reads it."""
    page = as_role("fp_tha").get(f"/submissions/new/?round={open_round.pk}&country=THA").content.decode()
    accept = page.split('accept="', 1)[1].split('"', 1)[0].split(",")
    assert {".xlsx", ".ods", ".csv"} <= set(accept)


def test_a_country_with_nothing_returned_reads_no_pointer_to_a_returned_comment(as_role, tha_valid, open_round):
    """Tables with no returned file must not point at a comment that is not on the page."""
    page = as_role("fp_tha").get(f"/rounds/{open_round.pk}/THA/").content.decode()
    assert "with the comment above" not in page and 'id="returned"' not in page
