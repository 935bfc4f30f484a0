"""A country's reporting for a round: its page, the standard workbook, the browser grid."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from collection import access
from collection.lib import downloads
from collection.lib.errors import PortalError
from collection.lib.users import AuthenticatedHttpRequest
from collection.models import DraftTable, Review, SourceType, Submission
from collection.rounds.lifecycle import round_upload_refusal
from collection.rounds.progress import country_round_overview
from collection.submissions.entry import cell_key, draft_save, drafts_submit, entry_layout, entry_values, year_to_fill
from collection.workbook.build import workbook_build, workbook_filename


@login_required
def country_round(request: AuthenticatedHttpRequest, round_id: int, iso3: str) -> HttpResponse:
    round_, country = access.round_country(request.user, round_id, iso3)
    context = country_round_overview(round_, country)
    context["can_upload"] = access.may_upload(request.user, country)
    context["refusal"] = round_upload_refusal(round_, country)
    context["returned"] = returned_latest(context["latest"])
    return render(request, "collection/country_round.html", context)


def returned_latest(latest: Submission | None) -> Review | None:
    """The reviewer's return of the country's latest submission: the focal point's next step is to correct
    and upload again. None once a newer submission exists (it is then the latest) or when it was not returned."""
    if latest is None or latest.status != Submission.Status.RETURNED:
        return None
    return next((r for r in latest.reviews.all() if r.decision == Review.Decision.RETURN), None)


@login_required
def workbook_download(request: AuthenticatedHttpRequest, round_id: int, iso3: str) -> HttpResponse:
    round_, country = access.round_country(request.user, round_id, iso3)
    content = workbook_build(round_=round_, country=country)
    return downloads.xlsx_response(content, workbook_filename(round_, country))


@login_required
def table_entry(request: AuthenticatedHttpRequest, round_id: int, iso3: str, indicator: str) -> HttpResponse:
    """The browser grid of one table: type or paste values, save a draft, send every draft for validation."""
    round_, country = access.round_country(request.user, round_id, iso3)
    if not access.may_upload(request.user, country):
        raise Http404
    try:
        layout = entry_layout(round_, country, indicator)
    except PortalError as exc:
        raise Http404(exc.message) from exc
    if request.method == "POST":
        typed = {k[2:]: request.POST.get(k, "") for k in request.POST if k.startswith("v:")}
        try:
            draft_save(
                user=request.user,
                round_=round_,
                country=country,
                layout=layout,
                values=typed,
                source=request.POST.get("source", ""),
            )
            if request.POST.get("action") == "send":
                submission = drafts_submit(user=request.user, round_=round_, country=country)
                messages.success(request, "Your tables were sent for checking: the report follows.")
                return redirect("submission_detail", pk=submission.pk)
        except PortalError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Draft of {indicator} saved.")
        return redirect("table_entry", round_id=round_.pk, iso3=country.iso3, indicator=indicator)
    values, source, draft = entry_values(round_, country, layout)
    tables = list(round_.tables.order_by("sort_order", "indicator").values_list("indicator", flat=True))
    drafts = set(DraftTable.objects.filter(round=round_, country=country).values_list("table_id", flat=True))
    per_year = len(layout.columns) // len(layout.years)
    per_c2 = len(layout.sex_labels)
    return render(
        request,
        "collection/table_entry.html",
        {
            "round": round_,
            "country": country,
            "layout": layout,
            "draft": draft,
            "prefilled": bool(values),
            "source": source,
            "source_types": SourceType.objects.all(),
            "tables": tables,
            "drafts": drafts,
            "year_headers": [(y, per_year) for y in layout.years],
            "fill_year": year_to_fill(layout, values),
            "c2_headers": [(layout.classif2_labels[c.classif2], per_c2) for c in layout.columns[::per_c2]]
            if layout.classif2_labels
            else [],
            "grid": [
                {
                    "code": code,
                    "label": label,
                    "is_total": code == layout.total_code,
                    "cells": [
                        (cell_key(code, column), values.get(cell_key(code, column), "")) for column in layout.columns
                    ],
                }
                for code, label in layout.rows
            ],
        },
    )
