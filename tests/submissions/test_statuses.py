"""What each status means, read from the status types, and the services and pages that ask them."""

from __future__ import annotations

import pytest

from collection.catalogue.layout import SOURCE_COLUMNS
from collection.lib.errors import PortalError
from collection.models import DataSource, Round, Submission
from collection.rounds.progress import round_table_states
from collection.submissions.explanations import explanation_save
from collection.submissions.sources import datasource_save
from tests import factories

S = Submission.Status
R = Round.Status


def test_submission_meanings() -> None:
    assert S.editable() == {S.RECEIVED, S.VALIDATING, S.VALID, S.INVALID}
    assert S.explainable() == {S.VALID}
    assert S.awaiting_validation() == {S.RECEIVED, S.VALIDATING}
    assert S.awaiting_publication() == {S.APPROVED}
    assert S.pending() == {S.RECEIVED, S.VALIDATING, S.APPROVED}
    assert S.with_ilo() == {S.SUBMITTED, S.APPROVED, S.PUBLISHED}


def test_nothing_sent_to_the_ilo_is_editable_and_everything_sent_is_with_it() -> None:
    assert S.editable() | S.with_ilo() | {S.RETURNED} == set(S.values)
    assert not S.editable() & S.with_ilo()
    assert S.explainable() <= S.editable()


def test_a_table_reads_uploaded_until_the_worker_has_read_its_file() -> None:
    assert {s: S(s).table_status for s in S.values} == {
        "received": "uploaded",
        "validating": "uploaded",
        "valid": "valid",
        "invalid": "invalid",
        "submitted": "submitted",
        "returned": "returned",
        "approved": "approved",
        "published": "published",
    }
    assert S.table_statuses() == (
        "not_started",
        "uploaded",
        "invalid",
        "valid",
        "returned",
        "submitted",
        "approved",
        "published",
    )
    assert {S(s).table_status for s in S.values} < set(S.table_statuses())


def test_every_status_has_a_note_and_only_pending_ones_keep_the_page_polling(focal_point, open_round) -> None:
    submission = factories.upload(focal_point, open_round, factories.sample_csv())
    for status in S.values:
        submission.status = status
        assert submission.status_note == S(status).note != ""
        assert submission.is_settled == (status not in S.pending())


@pytest.mark.parametrize("status", S.values)
def test_sources_change_only_while_editable(status, focal_point, open_round) -> None:
    submission = factories.upload(focal_point, open_round, factories.sample_csv())
    Submission.objects.filter(pk=submission.pk).update(status=status)  # a fixture: the state under test
    submission.refresh_from_db()
    describe = lambda: datasource_save(  # noqa: E731
        user=focal_point, submission=submission, indicator=factories.SMALL_TABLES[0], source_type_id="BA", name="LFS"
    )
    if status in S.editable():
        assert describe().name == "LFS"
    else:
        with pytest.raises(PortalError, match="can no longer change once it has been sent for review"):
            describe()


@pytest.mark.parametrize("status", [S.VALID, S.SUBMITTED, S.INVALID])
def test_warnings_are_explained_only_while_explainable(status, focal_point, open_round) -> None:
    submission = factories.upload(focal_point, open_round, factories.sample_csv())
    Submission.objects.filter(pk=submission.pk).update(status=status)
    submission.refresh_from_db()
    if status in S.explainable():
        with pytest.raises(PortalError, match="has no x.rule warning"):  # allowed: it goes on to the rule
            explanation_save(user=focal_point, submission=submission, text="why", rule="x.rule")
    else:
        with pytest.raises(PortalError, match="while the submission is valid and not yet sent"):
            explanation_save(user=focal_point, submission=submission, text="why", rule="x.rule")


def test_a_tables_state_is_with_the_ilo_once_submitted(focal_point, open_round) -> None:
    submission = factories.validated(focal_point, open_round)
    for status in S.values:
        Submission.objects.filter(pk=submission.pk).update(status=status)
        state = round_table_states(open_round, countries=["THA"])[("THA", factories.SMALL_TABLES[0])]
        assert state.status == S(status).table_status
        assert state.with_ilo == (status in S.with_ilo())


def test_round_meanings() -> None:
    assert R.changeable() == {R.DRAFT, R.OPEN, R.CLOSED}
    assert R.ended() == {R.CLOSED, R.ARCHIVED}
    assert R.display_order() == (R.OPEN, R.DRAFT, R.CLOSED, R.ARCHIVED)
    assert set(R.display_order()) == set(R.values)
    assert [Round(status=s).is_changeable for s in R.display_order()] == [True, True, True, False]


def test_the_source_description_is_one_list_on_the_model() -> None:
    described = [f.name for f in DataSource._meta.concrete_fields if f.name not in ("id", "submission", "indicator")]
    assert sorted(DataSource.DESCRIPTION_FIELDS) == sorted(described)
    assert DataSource.description_labels()["reference_period"] == "Reference period"


def test_the_workbooks_sources_columns_stay_those_of_template_version_1() -> None:
    version_1 = "indicator title source_type name agency reference_period coverage migrant_definition notes"
    assert tuple(version_1.split()) == SOURCE_COLUMNS
