"""API views: check the payload, call the service, describe the result. Access comes from `access`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from itertools import chain
from typing import Any, cast

from django.core.validators import ProhibitNullCharactersValidator
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, HttpResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS, AllowAny
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from collection import access
from collection.api import serializers as s
from collection.api.filters import ObservationFilter, ObservationKeyFilter, ObservationValueFilter
from collection.api.pagination import CountedOnce
from collection.api.permissions import IsAdminOrReadOnly
from collection.lib import downloads
from collection.lib.errors import PortalError, WrongState
from collection.lib.users import AuthenticatedRequest, User
from collection.models import (
    KEY_COLUMNS,
    LAYOUT_COLUMNS,
    Code,
    Observation,
    Release,
    Round,
    Submission,
    TableDefinition,
    TableDimension,
    ValidationIssue,
)
from collection.publication.conditional import PublicConditionalMixin
from collection.publication.releases import (
    release_change,
    release_create,
    release_tables,
    release_withdraw,
    releases_visible,
)
from collection.publication.vintages import earlier_versions, seen_versions, vintage_moment
from collection.review.decisions import submission_approve, submission_return, submission_submit
from collection.rounds.lifecycle import (
    MOVE_BUTTONS,
    round_country_reopen,
    round_extend,
    round_move,
    round_moves_between,
    round_save,
)
from collection.submissions.explanations import explanation_save, explanations_by_issue
from collection.submissions.sources import datasource_save
from collection.submissions.upload import submission_upload
from collection.validation.checks import ISSUE_KEY
from collection.workbook.annotate import annotated_copy_open, annotated_filename
from collection.workbook.build import workbook_build, workbook_filename

ISSUE_FILTERS = ("severity", "rule", "indicator", *ISSUE_KEY)  # an issue is found by its rule or its value's key
NUL = "\x00"


def _nul_field(data: object, name: str = "") -> str | None:
    """The name of the first field whose text holds a NUL (`countries.1` inside a list), None when none does."""
    if isinstance(data, QueryDict):
        data = dict(data.lists())
    if isinstance(data, str):
        return (name or "non_field_errors") if NUL in data else None
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        if isinstance(key, str) and NUL in key:
            return "non_field_errors"
        found = _nul_field(value, f"{name}.{key}" if name else str(key))
        if found is not None:
            return found
    return None


class RefuseNulMixin(GenericAPIView):
    """A NUL character in a body's text is refused at its field (400): no database text column holds one, so it
    would otherwise reach a lookup and fail there (the address, cookies and token are refused by a middleware)."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.method not in SAFE_METHODS and (field := _nul_field(request.data)) is not None:
            # The words DRF's own text fields use for it, so every field says it alike.
            raise ValidationError({field: [str(ProhibitNullCharactersValidator.message)]})


class TableViewSet(RefuseNulMixin, viewsets.ReadOnlyModelViewSet):
    """The standard tables with the code list of each dimension (public)."""

    serializer_class = s.TableSerializer
    permission_classes = [AllowAny]
    lookup_field = "indicator"
    pagination_class = None
    queryset = TableDefinition.objects.prefetch_related(
        Prefetch(
            "dimensions",
            queryset=TableDimension.objects.select_related("codelist").prefetch_related(
                Prefetch("codelist__codes", queryset=Code.objects.order_by("sort_order", "code"))
            ),
        )
    )


def _status_action(round_: Round | None, status: str | None) -> str | None:
    """The one lifecycle action that carries out a `status` sent with a create (`round_` None) or a change
    (None: nothing to do). A status no single action reaches is refused, naming the actions to call."""
    current = round_.status if round_ else Round.Status.DRAFT
    path = round_moves_between(current, status) if status else []
    if path is not None and len(path) <= 1:
        return path[0] if path else None
    calls = " and then ".join(f"POST /api/v1/rounds/{round_.pk if round_ else '{id}'}/{a}/" for a in path or [])
    if round_ is None:
        raise PortalError(f"A new round is created as a draft or open, not {status}: create it, then call {calls}.")
    if path is None and current == Round.Status.ARCHIVED:
        raise PortalError(f"Round {round_.name} is archived and can no longer change.")
    if path is None:
        raise PortalError(f"Round {round_.name} is {current}: a round that has opened never goes back to {status}.")
    raise PortalError(f"Round {round_.name} is {current}: to make it {status}, call {calls}.")


def _move_action(name: str) -> Callable[..., Response]:
    """The endpoint of one whole-round move (open, close, reopen, archive): the same service as its button."""
    label, effect = MOVE_BUTTONS[name]

    def move(self: RoundViewSet, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        round_ = round_move(user=request.user, round_=self.get_object(), action=name)
        return Response(self.get_serializer(round_).data)

    move.__name__ = name
    move.__doc__ = f"{label} (admins). {effect} Answers the round's new state."
    return extend_schema(request=None, responses=s.RoundDetailSerializer)(action(detail=True, methods=["post"])(move))


class RoundViewSet(RefuseNulMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Consultation rounds: everyone signed in reads the rounds that concern them; admins create, edit and
    run them through their lifecycle (the actions below call the services the round pages call)."""

    permission_classes = [IsAdminOrReadOnly]
    request: AuthenticatedRequest

    def get_queryset(self) -> QuerySet[Round]:
        return access.visible_rounds(self.request.user).prefetch_related("countries", "tables")

    def get_serializer_class(self) -> type[s.RoundSerializer]:
        return s.RoundSerializer if self.action == "list" else s.RoundDetailSerializer

    def handle_exception(self, exc: Exception) -> Response:
        # A move the round's status does not allow is a refused request that says why (400), as on the pages.
        if isinstance(exc, WrongState):
            exc = PortalError(exc.message)
        return super().handle_exception(exc)

    # DRF hands these the serializer of get_serializer_class; the stub's mixins type it as any serializer.
    def perform_create(self, serializer: s.RoundSerializer) -> None:  # type: ignore[override]
        move = _status_action(None, serializer.validated_data.get("status"))
        with transaction.atomic():
            round_ = round_save(user=self.request.user, **serializer.to_service())
            serializer.instance = round_move(user=self.request.user, round_=round_, action=move) if move else round_

    def perform_update(self, serializer: s.RoundSerializer) -> None:  # type: ignore[override]
        move = _status_action(serializer.instance, serializer.validated_data.get("status"))
        with transaction.atomic():
            round_ = round_save(user=self.request.user, round_=serializer.instance, **serializer.to_service())
            if move:
                round_move(user=self.request.user, round_=round_, action=move)
        # Countries and tables were read before the change (the stubs do not declare Django's prefetch cache).
        round_._prefetched_objects_cache = {}  # type: ignore[attr-defined]
        serializer.instance = round_

    open = _move_action("open")
    close = _move_action("close")
    reopen = _move_action("reopen")
    archive = _move_action("archive")

    @extend_schema(request=s.RoundExtendSerializer, responses=s.RoundDetailSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """A later `deadline` for every country of the round, or (with `country`) for one (admins)."""
        round_ = self.get_object()
        payload = s.RoundExtendSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        round_extend(user=request.user, round_=round_, **payload.validated_data)
        return Response(self.get_serializer(round_).data)

    def _country_terms(self, request: AuthenticatedRequest, *, reopen: bool) -> Response:
        round_ = self.get_object()
        payload = s.RoundCountrySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        round_country_reopen(user=request.user, round_=round_, reopen=reopen, **payload.validated_data)
        return Response(self.get_serializer(round_).data)

    @extend_schema(request=s.RoundCountrySerializer, responses=s.RoundDetailSerializer)
    @action(detail=True, methods=["post"])
    def reopen_country(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """Let one `country` upload again to the closed round, optionally until a `deadline` of its own (admins)."""
        return self._country_terms(request, reopen=True)

    @extend_schema(request=s.RoundCountrySerializer, responses=s.RoundDetailSerializer)
    @action(detail=True, methods=["post"])
    def close_country(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """Stop the uploads of a `country` the closed round was reopened for (admins)."""
        return self._country_terms(request, reopen=False)

    @extend_schema(
        parameters=[OpenApiParameter("country", str, required=True, description="ISO3 of the reporting country")],
        responses={(200, downloads.XLSX): OpenApiTypes.BINARY},
    )
    @action(detail=True)
    def workbook(self, request: AuthenticatedRequest, pk: str) -> HttpResponse:
        """The standard workbook for a country of this round, pre-filled with the published values."""
        iso3 = request.query_params.get("country", "")
        round_, country = access.round_country(request.user, self.get_object().pk, iso3)
        return downloads.xlsx_response(
            workbook_build(round_=round_, country=country), workbook_filename(round_, country)
        )


class SubmissionViewSet(RefuseNulMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Submissions of the user's countries: upload, read the report, submit, and (reviewers) decide."""

    serializer_class = s.SubmissionSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_fields = ["status", "country", "round"]
    request: AuthenticatedRequest

    def get_queryset(self) -> QuerySet[Submission]:
        return (
            access.visible_submissions(self.request.user)
            .select_related("round", "uploaded_by")
            .prefetch_related("reviews__reviewer")
        )

    @extend_schema(request=s.SubmissionUploadSerializer, responses={201: s.SubmissionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = self.request.user  # the same request, typed as signed in (IsAuthenticated)
        payload = s.SubmissionUploadSerializer(data=request.data, user=user)
        payload.is_valid(raise_exception=True)
        submission = submission_upload(
            user=user,
            round=payload.validated_data["round"],
            country=payload.validated_data["country"],
            uploaded_file=payload.validated_data["file"],
        )
        return Response(s.SubmissionSerializer(submission).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses=s.ValidationIssueSerializer(many=True),
        parameters=[OpenApiParameter(name, str) for name in ISSUE_FILTERS],
    )
    @action(detail=True)
    def issues(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """The report; the key filters find the issues about one value (`sex`, `classif1`, `time`, ...)."""
        submission = self.get_object()
        issues = submission.issues.all()
        for name in ISSUE_FILTERS:
            if request.query_params.get(name):
                issues = issues.filter(**{name: request.query_params[name]})
        page: list[ValidationIssue] = self.paginate_queryset(issues) or []  # None only without a paginator
        context = {"explanations": explanations_by_issue(submission, page)}
        return self.get_paginated_response(s.ValidationIssueSerializer(page, many=True, context=context).data)

    @extend_schema(request=s.WarningExplanationSerializer, responses=s.WarningExplanationSerializer(many=True))
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def explanations(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """GET the focal point's answers to the warnings; POST one (for a warning, or for a rule at once)."""
        submission = self.get_object()
        if request.method == "POST":
            payload = s.WarningExplanationSerializer(data=request.data, submission=submission)
            payload.is_valid(raise_exception=True)
            explanation_save(user=request.user, submission=submission, **payload.validated_data)
        answers = submission.explanations.select_related("author")
        return Response(s.WarningExplanationSerializer(answers, many=True).data)

    @extend_schema(responses={(200, downloads.XLSX): OpenApiTypes.BINARY, 409: OpenApiTypes.OBJECT})
    @action(detail=True)
    def annotated(self, request: AuthenticatedRequest, pk: str | None = None) -> FileResponse:
        """The uploaded file with every issue highlighted on its cell and listed on a first sheet, as XLSX also
        for an ODS or CSV upload, made by the worker after validation; 409 with the reason while it is checked or
        made, or when there is none."""
        submission = self.get_object()  # the worker's copy; NoAnnotatedCopy (a 409) says why there is none yet
        return downloads.xlsx_file_response(annotated_copy_open(submission), annotated_filename(submission))

    @extend_schema(request=None, responses=s.SubmissionSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        submission = submission_submit(user=request.user, submission=self.get_object())
        return Response(s.SubmissionSerializer(submission).data)

    @extend_schema(request=s.ApproveSerializer, responses=s.SubmissionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        payload = s.ApproveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        submission = submission_approve(
            user=request.user,
            submission=self.get_object(),
            comment=payload.validated_data["comment"],
            release=payload.validated_data["release"],
        )
        return Response(s.SubmissionSerializer(submission).data)

    @extend_schema(request=s.ReturnSerializer, responses=s.SubmissionSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        submission = self.get_object()
        payload = s.ReturnSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        submission = submission_return(
            user=request.user, submission=submission, comment=payload.validated_data["comment"]
        )
        return Response(s.SubmissionSerializer(submission).data)

    @extend_schema(request=s.DataSourceSerializer, responses=s.DataSourceSerializer(many=True))
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def sources(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """GET the source metadata of each indicator; POST one indicator's description (replaces it)."""
        submission = self.get_object()
        if request.method == "POST":
            payload = s.DataSourceSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            datasource_save(user=request.user, submission=submission, **payload.validated_data)
        return Response(s.DataSourceSerializer(submission.sources.all(), many=True).data)


class CSVRenderer(JSONRenderer):
    """Selects the CSV download (`?format=csv` or `Accept: text/csv`); errors still come out as JSON."""

    media_type = "text/csv"
    format = "csv"


# In key order, series by series and years ascending within each (as ILOSTAT's bulk files run): the order of the
# index that keeps one current value per key, so a page of current values is read from it without a sort.
OBSERVATION_ORDER = KEY_COLUMNS
VINTAGE_PARAMETERS = [
    OpenApiParameter(
        "as_of",
        OpenApiTypes.STR,
        description="What the public saw at this moment (ISO 8601 date or date and time; a date means its end)",
    ),
    OpenApiParameter("as_of_release", OpenApiTypes.INT, description="What the public saw once this release was out"),
]


class ObservationViewSet(RefuseNulMixin, PublicConditionalMixin, viewsets.ReadOnlyModelViewSet):
    """The master table's public values (`as_of` / `as_of_release`: as they were public then); ILO staff and
    the country's focal points also read the embargoed ones, marked. `?format=csv` downloads the filtered set."""

    serializer_class = s.ObservationSerializer
    permission_classes = [AllowAny]
    pagination_class = CountedOnce
    filterset_class = ObservationFilter
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]
    queryset = Observation.objects.all()

    def filter_queryset(self, queryset: QuerySet[Observation]) -> QuerySet[Observation]:  # type: ignore[override]
        """The keys asked for, the version of each the reader may see (at the moment asked about), then the
        filters on what that version says."""
        params = self.request.query_params
        keys = ObservationKeyFilter(params, queryset=queryset, request=self.request)
        values = ObservationValueFilter(params, request=self.request)
        for form in (keys, values):
            if not form.is_valid():
                raise ValidationError(form.errors)
        at = self.vintage()
        seen = seen_versions(self.request.user, keys.qs, at)
        chosen = values.filter_queryset(seen)
        return chosen.select_related("publication__release").order_by(*OBSERVATION_ORDER)

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        """An error to a CSV request is JSON, and says so in its Content-Type (the schema's error answers are)."""
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400 and self._csv_chosen(response):
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response

    @staticmethod
    def _csv_chosen(response: Response) -> bool:
        return isinstance(getattr(response, "accepted_renderer", None), CSVRenderer)

    def vintage(self) -> datetime | None:
        params = self.request.query_params
        return vintage_moment(as_of=params.get("as_of"), as_of_release=params.get("as_of_release"))

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "at": self.vintage()}

    def get_serializer(self, *args: Any, **kwargs: Any) -> s.ObservationSerializer:
        page = args[0] if args else None
        context = {**self.get_serializer_context(), **kwargs.pop("context", {})}
        if isinstance(page, list):  # a page of values: what each replaced, in one query
            context["earlier"] = earlier_versions(page, context["at"])
        return s.ObservationSerializer(*args, context=context, **kwargs)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=["json", "csv"],
                description="csv: the whole filtered set as a CSV download (not paginated)",
            ),
            *VINTAGE_PARAMETERS,
        ]
    )
    # DRF answers any HttpResponseBase a view returns; the stub's mixin says a Response.
    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        if request.accepted_renderer.format == "csv":
            return self._csv(self.filter_queryset(self.get_queryset()))
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=VINTAGE_PARAMETERS)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    def _csv(self, queryset: QuerySet[Observation]) -> StreamingHttpResponse:
        # No BOM, as published since the first release (machines read it); every text cell is formula-safe.
        rows = chain([LAYOUT_COLUMNS], queryset.values_list(*LAYOUT_COLUMNS).iterator(chunk_size=5000))
        return downloads.csv_streamed(rows, self._csv_filename(), guard=True, bom=False)

    def _csv_filename(self) -> str:
        """What the file holds, as far as one table, one country and a vintage say it: ilms_observations_
        MST_FORP_SEX_CBR_NB_THA_as_of_2026-06-30.csv (a name is only built from codes that pass a strict check)."""
        params = self.request.query_params
        parts = ["ilms_observations"]
        for name in ("indicator", "ref_area"):
            value = params.get(name, "")
            if value.replace("_", "").isalnum() and value.isascii() and len(value) <= 60:
                parts.append(value)
        at = self.vintage()
        if at is not None:
            parts.append(f"as_of_{at:%Y-%m-%d}")
        return "_".join(parts) + ".csv"


class ReleaseViewSet(RefuseNulMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Releases: the public reads those that are out; ILO staff every one, scheduled and withdrawn too. Admins
    schedule one (POST), move or rename it before its moment (PATCH) and withdraw it (POST .../withdraw/)."""

    serializer_class = s.ReleaseSerializer
    permission_classes = [AllowAny]  # the services guard the changes (admins only)
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Release]:
        return releases_visible(user=self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "tables": getattr(self, "_tables", {})}

    def paginate_queryset(self, queryset: QuerySet[Release]) -> list[Release] | None:  # type: ignore[override]
        page = super().paginate_queryset(queryset)
        self._tables = release_tables(list(page or []))  # the tables of the page's releases, in one query
        return page

    def _answer(self, release: Release, code: int = status.HTTP_200_OK) -> Response:
        release = releases_visible(user=self.request.user).get(pk=release.pk)
        self._tables = release_tables([release])
        return Response(self.get_serializer(release).data, status=code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._answer(self.get_object())

    @extend_schema(request=s.ReleaseInputSerializer, responses={201: s.ReleaseSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        access.require_admin(request.user, "Only portal admins can schedule a release.")
        payload = s.ReleaseInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        release = release_create(user=cast(User, request.user), **payload.validated_data)
        return self._answer(release, status.HTTP_201_CREATED)

    @extend_schema(request=s.ReleaseInputSerializer, responses=s.ReleaseSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        release = self.get_object()
        access.require_admin(request.user, "Only portal admins can change a release.")
        payload = s.ReleaseInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        if not payload.validated_data:
            raise PortalError("Send the release's title, note or public_at to change.")
        changed = release_change(user=cast(User, request.user), release=release, **payload.validated_data)
        return self._answer(changed)

    @extend_schema(request=None, responses=s.ReleaseSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Withdraw a scheduled release before its moment (admins): it stays listed, and none of it is public."""
        release = self.get_object()
        return self._answer(release_withdraw(user=cast(User, request.user), release=release))
