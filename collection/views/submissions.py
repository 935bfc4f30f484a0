"""Pages of the submission path: upload, the validation report, submit, and the reviewer's decision."""

from __future__ import annotations

from dataclasses import asdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from collection import access
from collection.lib import downloads
from collection.lib.errors import PortalError
from collection.lib.numbers import record_id
from collection.lib.users import AuthenticatedHttpRequest
from collection.models import Severity, Submission
from collection.publication.publish import publication_failure
from collection.publication.releases import release_approval_summary, release_chosen, releases_upcoming
from collection.review.comments import comment_add, comment_threads
from collection.review.decisions import submission_approve, submission_readiness, submission_return, submission_submit
from collection.review.queue import submissions_to_review
from collection.rounds.lifecycle import round_upload_refusal
from collection.submissions.explanations import (
    explanation_for,
    explanation_lookup,
    explanation_save,
    explanations_by_issue,
)
from collection.submissions.sources import datasource_save
from collection.submissions.upload import submission_upload
from collection.validation.summary import issue_summary
from collection.views.forms.submissions import ApproveForm, DataSourceForm, ExplanationForm, ReturnForm, UploadForm
from collection.workbook.annotate import NoAnnotatedCopy, annotated_copy_ask, annotated_copy_open, annotated_filename


def _visible(request: AuthenticatedHttpRequest, pk: int) -> Submission:
    """The submission if the user may see it; otherwise a 404 that does not confirm it exists."""
    return get_object_or_404(access.visible_submissions(request.user).select_related("round", "country"), pk=pk)


@login_required
def submission_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    submissions = access.visible_submissions(request.user).select_related("round", "country", "uploaded_by")
    status = request.GET.get("status")
    if status in Submission.Status.values:
        submissions = submissions.filter(status=status)
    page = Paginator(submissions, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "collection/submission_list.html",
        {"page": page, "statuses": Submission.Status.choices, "status": status},
    )


@login_required
def submission_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not access.may_upload_any(request.user):
        raise Http404("Only focal points upload submissions.")
    initial = {k: request.GET[k] for k in ("round", "country") if k in request.GET}  # from a country's page
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            submission = submission_upload(
                user=request.user,
                round=form.cleaned_data["round"],
                country=form.cleaned_data["country"],
                uploaded_file=form.cleaned_data["file"],
            )
        except PortalError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"File received. The worker is checking it now (submission #{submission.pk}).")
            return redirect("submission_detail", pk=submission.pk)
    return render(request, "collection/submission_new.html", {"form": form, "country_link": _country_link(form)})


def _country_link(form: UploadForm) -> str | None:
    """The country's page for the round the form was opened for (where its workbook is), if the user may use it."""
    round_id, iso3 = form.initial.get("round", ""), form.initial.get("country", "")
    known = record_id(str(round_id)) is not None and form.rounds.filter(pk=round_id).exists()
    if known and form.countries.filter(pk=iso3).exists():
        return reverse("country_round", args=[round_id, iso3])
    return None


@login_required
def submission_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    submission = _visible(request, pk)
    issues = submission.issues.all()
    filters = {name: request.GET.get(name) for name in ("severity", "rule", "indicator") if request.GET.get(name)}
    issues = issues.filter(**filters)
    summary = issue_summary(submission)
    rights = access.submission_rights(request.user, submission)
    sources = {s.indicator: s for s in submission.sources.select_related("source_type")}
    issues_page = Paginator(issues, 100).get_page(request.GET.get("page"))
    answers = explanation_lookup(submission)
    for row in summary:
        if row["severity"] == Severity.WARNING:
            row["answer"] = explanation_for(answers, rule=row["rule"], indicator=row["indicator"])
    ready = submission_readiness(submission) if submission.status == Submission.Status.VALID else []
    annotated_copy_ask(submission)  # a submission checked before copies were kept, or whose message was lost
    return render(
        request,
        "collection/submission_detail.html",
        {
            "submission": submission,
            "issues_page": issues_page,
            "explanations": explanations_by_issue(submission, list(issues_page)),
            "missing_before_submit": ready,
            "summary": summary,
            "filters": filters,
            "rules": sorted({row["rule"] for row in summary}),
            "indicators": sorted({row["indicator"] for row in summary if row["indicator"]}),
            "events": submission.events.select_related("actor"),
            "publication_failure": publication_failure(submission),
            "reviews": submission.reviews.select_related("reviewer"),
            "threads": comment_threads(submission),
            "tables": submission.round.tables.all(),
            "sources": sources,
            "return_form": ReturnForm(),
            "approve_form": ApproveForm(),
            "upcoming_releases": releases_upcoming() if rights.can_review else [],
            **asdict(rights),
            # An invalid or returned file is corrected and uploaded again: the page offers the form, set to this
            # round and country, or says why the round no longer takes the file.
            "refusal": round_upload_refusal(submission.round, submission.country) if rights.upload_again else None,
        },
    )


@login_required
def submission_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The status panel alone: htmx polls it while the worker runs, and reloads the page when it is done."""
    submission = _visible(request, pk)
    response = render(request, "collection/_submission_status.html", {"submission": submission})
    if submission.is_settled and request.GET.get("was") != submission.status:
        response["HX-Refresh"] = "true"
    return response


@login_required
def submission_file(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    submission = _visible(request, pk)
    return FileResponse(submission.file.open("rb"), as_attachment=True, filename=submission.original_filename)


@login_required
def submission_annotated(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """The uploaded file with every issue highlighted on its cell, as the worker kept it; back to the report with
    the sentence while it is made or when there is none. Nothing is built here: no web request reads an upload."""
    submission = _visible(request, pk)
    if submission.validated_at is None:
        raise Http404("The file is still being checked.")
    try:
        return downloads.xlsx_file_response(annotated_copy_open(submission), annotated_filename(submission))
    except NoAnnotatedCopy as exc:
        (messages.error if submission.annotated_note else messages.info)(request, exc.message)
        return redirect(reverse("submission_detail", args=[submission.pk]) + "#report")


@login_required
def submission_annotated_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The annotated copy's place on the report: htmx polls it while the worker makes the copy."""
    submission = _visible(request, pk)
    annotated_copy_ask(submission)
    return render(request, "collection/_annotated_copy.html", {"submission": submission})


@require_POST
@login_required
def submission_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    """Submit, approve or return: the form posts here and the service decides whether it is allowed."""
    submission = _visible(request, pk)
    try:
        if action == "explain":
            form = ExplanationForm(request.POST)
            if not form.is_valid():
                raise PortalError("Write the explanation: what the reviewer should know about this warning.")
            data = form.cleaned_data
            issue = submission.issues.filter(pk=data["issue"]).first() if data["issue"] else None
            if data["issue"] and issue is None:
                raise Http404
            explanation_save(
                user=request.user,
                submission=submission,
                text=data["text"],
                issue=issue,
                rule=data["rule"] or None,
                indicator=data["indicator"] or "",
            )
            messages.success(request, "Explanation saved.")
            return redirect(
                f"{reverse('submission_detail', args=[submission.pk])}?{request.POST.get('back', '')}#report"
            )
        if action == "comment":  # a focal point's reply in a table's thread (reviewers write in the workspace)
            comment_add(
                user=request.user,
                submission=submission,
                indicator=request.POST.get("indicator", ""),
                text=request.POST.get("text", ""),
            )
            messages.success(request, "Reply sent.")
            return redirect(f"{reverse('submission_detail', args=[submission.pk])}#comments")
        if action == "submit":
            submission_submit(user=request.user, submission=submission)
            messages.success(request, "Submitted to the ILO for review.")
        elif action == "approve":
            approval = ApproveForm(request.POST)
            if not approval.is_valid():  # e.g. a NUL in the comment: say so rather than approve without it
                raise PortalError(" ".join(str(e) for e in approval.errors.get("comment", ["Check the comment."])))
            comment = approval.cleaned_data["comment"]
            release = release_chosen(request.POST.get("release"))
            submission_approve(user=request.user, submission=submission, comment=comment, release=release)
            messages.success(
                request,
                f"Approved. The worker is publishing it into the master table. {release_approval_summary(release)}",
            )
        elif action == "return":
            reasons = ReturnForm(request.POST)
            comment = reasons.cleaned_data["comment"] if reasons.is_valid() else ""
            submission_return(user=request.user, submission=submission, comment=comment)
            messages.success(request, "Returned to the focal point with your comment.")
        else:
            raise Http404
    except PortalError as exc:
        messages.error(request, exc.message)
    next_url = request.POST.get("next", "")
    # Only a path of this site (redirect() would take any other word for a view's name and fail on it).
    if (
        next_url.startswith("/")
        and "\x00" not in next_url
        and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return HttpResponseRedirect(next_url)  # back to the page the form was on, e.g. the reviewer's workspace
    return redirect("submission_detail", pk=submission.pk)


@login_required
def submission_source(request: AuthenticatedHttpRequest, pk: int, indicator: str) -> HttpResponse:
    """Describe the source of one indicator of the submission."""
    submission = _visible(request, pk)
    table = get_object_or_404(submission.round.tables, indicator=indicator)
    existing = submission.sources.filter(indicator=indicator).first()
    form = DataSourceForm(request.POST or None, instance=existing)
    if request.method == "POST" and form.is_valid():
        try:
            datasource_save(user=request.user, submission=submission, indicator=indicator, **form.cleaned_data)
        except PortalError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Source of {indicator} saved.")
            return redirect("submission_detail", pk=submission.pk)
    return render(
        request, "collection/submission_source.html", {"submission": submission, "table": table, "form": form}
    )


@access.staff_required()
def review_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "collection/review_queue.html", {"queue": submissions_to_review()})
