"""Admins edit the catalogue in the Django admin, with import and export of code lists and tables."""

from __future__ import annotations

import tablib

from collection.admin import CodeResource, TableDefinitionResource
from collection.models import Code, Submission
from tests import factories


def test_code_lists_export_with_their_codes(catalogue):
    exported = CodeResource().export(Code.objects.filter(codelist_id="SEX")).csv
    assert "codelist,code,label,is_total,optional,sort_order" in exported.splitlines()[0]
    assert "SEX,SEX_F,Female" in exported


def test_importing_codes_adds_and_updates_by_list_and_code(catalogue):
    data = tablib.Dataset(headers=["codelist", "code", "label", "is_total", "optional", "sort_order"])
    data.append(["EDU_AGGREGATE", "EDU_AGGREGATE_LTB", "Less than basic education", "0", "0", "1"])
    data.append(["EDU_AGGREGATE", "EDU_AGGREGATE_NEW", "A new level", "0", "1", "9"])
    result = CodeResource().import_data(data, dry_run=False)
    assert not result.has_errors()
    assert Code.objects.get(code="EDU_AGGREGATE_LTB").label == "Less than basic education"
    assert Code.objects.get(code="EDU_AGGREGATE_NEW").optional


def test_tables_export_and_the_admin_pages_answer(client, admin_user):
    assert "MST_FORP_SEX_CBR_NB" in TableDefinitionResource().export().csv
    client.force_login(admin_user)
    for url in (
        "/admin/collection/codelist/",
        "/admin/collection/codelist/export/",
        "/admin/collection/tabledefinition/import/",
        "/admin/collection/code/?codelist__id__exact=SEX",
    ):
        assert client.get(url).status_code == 200, url


def test_submissions_cannot_be_edited_in_the_admin(client, admin_user, focal_point, open_round):
    submission = factories.upload(focal_point, open_round, factories.sample_csv())
    client.force_login(admin_user)
    client.post(f"/admin/collection/submission/{submission.pk}/change/", {"status": "published"})
    assert Submission.objects.get(pk=submission.pk).status == "received"
    assert client.get(f"/admin/collection/submission/{submission.pk}/delete/").status_code == 403
