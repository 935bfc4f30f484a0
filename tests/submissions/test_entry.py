"""In-browser entry: the grid of a table, drafts, and sending them as a submission like an upload."""

from __future__ import annotations

import re

import pytest

from collection.models import DraftTable, Round, Submission
from collection.validation.run import submission_validate
from tests import factories
from tests.staged_rows import staged_tuples
from tests.workbook.test_workbook import FORP, TABLES, rows

STAGED = ("indicator", "ref_area", "source", "sex", "classif1", "classif2", "time", "obs_value")


@pytest.fixture
def round_(catalogue) -> Round:
    return factories.make_round(tables=TABLES)


def grid_post(table_rows: list[dict], **extra) -> dict:
    data = {f"v:{r['classif1']}|{r['time']}|{r['classif2']}|{r['sex']}": r["obs_value"] for r in table_rows}
    return {"source": "BA", **data, **extra}


def test_grid_shows_every_category_and_column(client, focal_point, round_):
    client.force_login(focal_point)
    page = client.get(f"/rounds/{round_.pk}/THA/tables/{FORP}/").content.decode()
    assert page.count('name="v:CBR_BRT_') == (249 + 2 - 1) * 2 * 3  # categories x years x sexes
    assert 'name="v:CBR_BRT_THA|' not in page
    assert "collection/grid.js" in page and "<script>" not in page


def test_saving_keeps_the_draft_and_shows_it_again(client, focal_point, round_):
    client.force_login(focal_point)
    url = f"/rounds/{round_.pk}/THA/tables/{FORP}/"
    response = client.post(
        url,
        {
            "source": "BA",
            "v:CBR_BRT_MMR|2025||SEX_F": " 12,5 ",
            "v:CBR_BRT_LAO|2025||SEX_F": "",
            "v:NOT|A|REAL|KEY": "9",
            "action": "save",
        },
        follow=True,
    )
    assert "Draft of MST_FORP_SEX_CBR_NB saved" in response.content.decode()
    draft = DraftTable.objects.get(round=round_, country="THA", table=FORP)
    assert draft.values == {"CBR_BRT_MMR|2025||SEX_F": "12,5"} and draft.source == "BA"
    assert 'value="12,5"' in client.get(url).content.decode()
    assert not Submission.objects.exists()


def test_sending_drafts_gives_the_observations_of_the_long_layout(client, focal_point, round_):
    client.force_login(focal_point)
    for indicator in TABLES:
        table_rows = [r for r in rows() if r["indicator"] == indicator]
        client.post(f"/rounds/{round_.pk}/THA/tables/{indicator}/", grid_post(table_rows, action="save"))
    response = client.post(
        f"/rounds/{round_.pk}/THA/tables/{FORP}/",
        grid_post([r for r in rows() if r["indicator"] == FORP], action="send"),
    )
    submission = Submission.objects.get()
    assert response["Location"] == f"/submissions/{submission.pk}/"
    assert submission.original_filename.startswith("browser-entry-THA-")
    submission_validate(submission_id=submission.pk)
    submission.refresh_from_db()
    from_csv = factories.validated(focal_point, round_, factories.sample_csv(indicators=TABLES))

    def staged(s):
        return sorted(staged_tuples(s, STAGED))

    assert submission.status == "valid"
    assert staged(submission) == staged(from_csv)


def test_grid_is_for_the_countrys_focal_point_of_an_open_round(
    client, focal_point, other_focal_point, reviewer, round_
):
    url = f"/rounds/{round_.pk}/THA/tables/{FORP}/"
    for user in (other_focal_point, reviewer):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"source": "BA", "action": "save"}).status_code == 404
    client.force_login(focal_point)
    assert client.get(f"/rounds/{round_.pk}/THA/tables/MNA_TPOP_SEX_CRS_NB/").status_code == 404
    Round.objects.filter(pk=round_.pk).update(status=Round.Status.CLOSED)
    response = client.post(url, {"source": "BA", "v:CBR_BRT_MMR|2025||SEX_F": "1", "action": "save"}, follow=True)
    assert "uploads are no longer accepted" in response.content.decode()
    assert not DraftTable.objects.exists()


def test_sending_a_draft_without_a_source_type_says_which_table(client, focal_point, round_):
    client.force_login(focal_point)
    url = f"/rounds/{round_.pk}/THA/tables/{FORP}/"
    response = client.post(url, {"source": "", "v:CBR_BRT_MMR|2025||SEX_F": "3", "action": "send"}, follow=True)
    assert f"Choose the source type of {FORP} before sending" in response.content.decode()
    assert not Submission.objects.exists()
    assert DraftTable.objects.get().values == {"CBR_BRT_MMR|2025||SEX_F": "3"}  # what was typed is kept


def test_a_whole_partner_country_grid_is_saved_as_the_browser_posts_it(client, focal_point, round_):
    """The browser sends every cell of the grid, empty ones too: 1,500 fields for a partner-country table."""
    client.force_login(focal_point)
    url = f"/rounds/{round_.pk}/THA/tables/{FORP}/"
    cells = re.findall(r'name="(v:[^"]+)"', client.get(url).content.decode())
    assert len(cells) == 1500
    response = client.post(url, {"source": "BA", **dict.fromkeys(cells, ""), "v:CBR_BRT_MMR|2025||SEX_T": "1,204.6"})
    assert response.status_code == 302
    assert DraftTable.objects.get(round=round_, table_id=FORP).values == {"CBR_BRT_MMR|2025||SEX_T": "1,204.6"}


def test_the_grid_opens_on_the_first_year_still_empty(client, focal_point, round_):
    client.force_login(focal_point)
    url = f"/rounds/{round_.pk}/THA/tables/{FORP}/"
    assert '<th scope="colgroup" colspan="3" class="center year" data-fill-year>2024 <small>to fill</small>' in (
        client.get(url).content.decode()
    )
    client.post(url, {"source": "BA", "v:CBR_BRT_MMR|2024||SEX_T": "310.2"})
    page = client.get(url).content.decode()
    assert '<th scope="colgroup" colspan="3" class="center year" data-fill-year>2025 <small>to fill</small>' in page
    assert 'class="sticky-code"><code>CBR_BRT_MMR</code></th><td class="label sticky-label">Myanmar</td>' in page
