"""Numbers typed into an address or a form in digits int() and the database refuse ("²", a number past any id):
"no such thing" or the form's own error, never a 500."""

from __future__ import annotations

import pytest

from tests.rounds.test_rounds import FORM

ODD = ["²", "٣", "9" * 30]


@pytest.mark.parametrize("value", ODD)
def test_a_round_copied_from_an_odd_id_is_a_new_round_form(as_role, catalogue, value):
    answer = as_role("admin").get("/rounds/new/", {"copy": value})
    assert answer.status_code == 200 and answer.context["form"].initial.get("name", "") == ""


@pytest.mark.parametrize("value", ODD)
def test_the_upload_page_opened_for_an_odd_round_is_the_plain_upload_page(as_role, open_round, value):
    answer = as_role("fp_tha").get("/submissions/new/", {"round": value, "country": "THA"})
    assert answer.status_code == 200


@pytest.mark.parametrize("field", ["reference_years", "reminder_days"])
def test_years_and_days_written_in_other_digits_are_the_forms_error(as_role, catalogue, field):
    answer = as_role("admin").post("/rounds/new/", {**FORM, field: "2025, ²"})
    assert answer.status_code == 200 and "Write whole numbers" in answer.context["form"].errors[field][0]


@pytest.mark.parametrize("value", ODD)
def test_an_odd_release_is_no_such_release(api, catalogue, value):
    answer = api.get("/api/v1/observations/", {"as_of_release": value})
    assert answer.status_code == 400 and "no such release" in answer.json()["detail"]
