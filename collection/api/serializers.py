"""API payloads: input serializers check shape, output serializers describe objects; services decide."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from collection import access
from collection.lib.labels import code_label
from collection.lib.users import RequestUser
from collection.models import (
    LAYOUT_COLUMNS,
    Code,
    Country,
    DataSource,
    Observation,
    Region,
    Release,
    Review,
    Round,
    SourceType,
    Submission,
    TableDefinition,
    TableDimension,
    ValidationIssue,
    WarningExplanation,
    value_exact,
)
from collection.publication.vintages import Earlier
from collection.review.decisions import submission_readiness
from collection.rounds.lifecycle import round_country_terms, round_values


class CodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Code
        fields = ["code", "label", "is_total"]


class DimensionSerializer(serializers.ModelSerializer):
    codelist = serializers.CharField(source="codelist_id")
    codelist_label = serializers.CharField(source="codelist.label")
    kind = serializers.CharField(source="codelist.kind")
    codes = CodeSerializer(source="codelist.codes", many=True)

    class Meta:
        model = TableDimension
        fields = ["column", "codelist", "codelist_label", "kind", "codes"]


class TableSerializer(serializers.ModelSerializer):
    dimensions = DimensionSerializer(many=True)

    class Meta:
        model = TableDefinition
        fields = ["indicator", "title", "unit", "measure", "dimensions"]


class RoundSerializer(serializers.ModelSerializer):
    """A round as read, and what an admin sends to create or change one (`rounds.round_save` decides);
    a `status` sent is carried out through the round's lifecycle (`rounds.round_move`), never written."""

    countries = serializers.SlugRelatedField(slug_field="iso3", many=True, queryset=Country.objects.all())
    tables = serializers.SlugRelatedField(slug_field="indicator", many=True, queryset=TableDefinition.objects.all())
    region = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.all(),
        required=False,
        allow_null=True,
        help_text="The region whose countries the round asks (its countries must be members); without it, the "
        "region all the countries belong to.",
    )
    reference_years = serializers.ListField(
        child=serializers.IntegerField(min_value=1950, max_value=2100), allow_empty=False
    )
    reminder_days = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=365), required=False, allow_empty=True
    )
    status = serializers.ChoiceField(
        choices=Round.Status.choices,
        required=False,
        help_text="On create: draft (the default) or open, which opens the round as its Open button does "
        "(audit entry, e-mails to the focal points). On change: a status one action away is reached through that "
        "action (e.g. closed for an open round); any other is refused with the actions to call.",
    )

    class Meta:
        model = Round
        fields = [
            "id",
            "name",
            "region",
            "reference_years",
            "countries",
            "tables",
            "opens_on",
            "deadline",
            "reminder_days",
            "status",
            "opened_at",
            "closed_at",
            "created_at",
        ]
        read_only_fields = ["id", "opened_at", "closed_at", "created_at"]

    def validate_reference_years(self, value: list[int]) -> list[int]:
        return sorted(set(value))

    def to_service(self) -> dict[str, Any]:
        """The validated payload as `round_save` takes it; a partial update keeps the round's other values."""
        data = dict(self.validated_data)
        data.pop("status", None)
        for name, key in (("countries", "iso3"), ("tables", "indicator")):
            if name in data:
                data[name] = [getattr(obj, key) for obj in data[name]]
        current = round_values(self.instance) if self.instance is not None else {}
        return {**current, **data}


class CountryTermsSerializer(serializers.Serializer):
    country = serializers.CharField(source="iso3")
    name = serializers.CharField()
    deadline = serializers.DateField(help_text="The deadline that holds for the country.")
    extended = serializers.BooleanField(help_text="The country was given a later deadline than the round's.")
    reopened = serializers.BooleanField(help_text="The closed round takes uploads from this country again.")


class RoundDetailSerializer(RoundSerializer):
    """One round, with the terms of each of its countries the user may see (deadline in force, reopened)."""

    country_terms = serializers.SerializerMethodField()

    class Meta(RoundSerializer.Meta):
        fields = [*RoundSerializer.Meta.fields, "country_terms"]

    @extend_schema_field(CountryTermsSerializer(many=True))
    def get_country_terms(self, round_: Round) -> list[dict[str, Any]]:
        request = self.context.get("request")
        mine = set(access.user_countries(request.user).values_list("iso3", flat=True)) if request else set()
        terms = CountryTermsSerializer([t for t in round_country_terms(round_) if t["iso3"] in mine], many=True)
        return terms.data  # type: ignore[return-value]  # many=True makes a ListSerializer; the stubs miss it


class RoundCountrySerializer(serializers.Serializer):
    """A country of the round (ISO3) and, optionally, a deadline of its own."""

    country = serializers.SlugRelatedField(slug_field="iso3", queryset=Country.objects.all())
    deadline = serializers.DateField(required=False, allow_null=True, default=None)


class RoundExtendSerializer(serializers.Serializer):
    """The new deadline, for every country of the round or (with `country`) for one."""

    deadline = serializers.DateField()
    country = serializers.SlugRelatedField(
        slug_field="iso3", queryset=Country.objects.all(), required=False, allow_null=True, default=None
    )


class ReviewSerializer(serializers.ModelSerializer):
    reviewer = serializers.CharField(source="reviewer.username")

    class Meta:
        model = Review
        fields = ["decision", "comment", "reviewer", "created_at"]


class TableTitleSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    title = serializers.CharField()


class SubmissionSerializer(serializers.ModelSerializer):
    round: serializers.PrimaryKeyRelatedField[Round] = serializers.PrimaryKeyRelatedField(read_only=True)
    round_name = serializers.CharField(source="round.name", read_only=True)
    country = serializers.CharField(source="country_id", read_only=True)
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)
    reviews = ReviewSerializer(many=True, read_only=True)
    missing_before_submit = serializers.SerializerMethodField(
        help_text="For a valid submission: what must still be done before it can be submitted (empty when ready)."
    )
    indicators = serializers.SerializerMethodField(help_text="The tables the file carries, with their titles.")

    class Meta:
        model = Submission
        fields = [
            "id",
            "round",
            "round_name",
            "country",
            "status",
            "original_filename",
            "file_format",
            "sha256",
            "size",
            "uploaded_by",
            "uploaded_at",
            "status_changed_at",
            "validated_at",
            "submitted_at",
            "row_count",
            "observation_count",
            "error_count",
            "warning_count",
            "indicators",
            "missing_before_submit",
            "reviews",
        ]

    @extend_schema_field(TableTitleSerializer(many=True))
    def get_indicators(self, submission: Submission) -> list[dict]:
        return [{"indicator": code, "title": code_label(code)} for code in submission.indicators]

    def get_missing_before_submit(self, submission: Submission) -> list[str]:
        if submission.status != Submission.Status.VALID:
            return []
        return submission_readiness(submission)


class SubmissionUploadSerializer(serializers.Serializer):
    round = serializers.PrimaryKeyRelatedField(queryset=Round.objects.all())
    country = serializers.SlugRelatedField(slug_field="iso3", queryset=Country.objects.all())
    file = serializers.FileField(allow_empty_file=True)

    def __init__(self, *args: Any, user: RequestUser | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A round that concerns none of the user's countries answers like a round that does not exist; one that
        # does (a draft of theirs too) is found, so that the upload service says why it is refused.
        # The stubs read the queryset attribute as a manager descriptor (a `Manager` in its type), wrongly here.
        field = cast("serializers.PrimaryKeyRelatedField[Round]", self.fields["round"])
        field.queryset = access.upload_rounds(user) if user else Round.objects.none()  # type: ignore[arg-type]


class ValidationIssueSerializer(serializers.ModelSerializer):
    """An issue with where it is in the file and the key of the value it is about (null for a table's or the
    whole file's problem): match issues to values by that key, never by row alone."""

    explanation = serializers.SerializerMethodField(help_text="The focal point's answer to this warning, if any.")
    ref_area = serializers.CharField(source="submission.country_id", read_only=True, help_text="The country.")

    class Meta:
        model = ValidationIssue
        fields = [
            "id",
            "severity",
            "rule",
            "message",
            "row",
            "column",
            "indicator",
            "ref_area",
            "source",
            "sex",
            "classif1",
            "classif2",
            "time",
            "sheet",
            "cell",
            "explanation",
        ]

    def get_explanation(self, issue: ValidationIssue) -> str | None:
        answer = self.context.get("explanations", {}).get(issue.pk)
        return answer.text if answer else None


class WarningExplanationSerializer(serializers.ModelSerializer):
    """POST `issue` (one warning) or `rule` with an optional `indicator` (every warning of the rule), and `text`."""

    issue = serializers.PrimaryKeyRelatedField(queryset=ValidationIssue.objects.none(), required=False, allow_null=True)
    rule = serializers.CharField(required=False, allow_blank=True)
    indicator = serializers.CharField(required=False, allow_blank=True, default="")
    author = serializers.CharField(source="author.username", read_only=True)

    class Meta:
        model = WarningExplanation
        fields = ["id", "issue", "rule", "indicator", "text", "author", "updated_at"]
        read_only_fields = ["updated_at"]

    def __init__(self, *args: Any, submission: Submission | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if submission is not None:
            field = cast("serializers.PrimaryKeyRelatedField[ValidationIssue]", self.fields["issue"])
            field.queryset = submission.issues.all()  # type: ignore[arg-type]  # as in SubmissionUploadSerializer

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("issue") and not attrs.get("rule"):
            raise serializers.ValidationError("Give the warning (`issue`) or the `rule` whose warnings you explain.")
        return attrs


class ReturnSerializer(serializers.Serializer):
    comment = serializers.CharField(allow_blank=False, trim_whitespace=True)


class ApproveSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    release = serializers.PrimaryKeyRelatedField(
        queryset=Release.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="A scheduled release to join (its values stay embargoed until its moment); "
        "without it the values are public once published.",
    )


class DataSourceSerializer(serializers.ModelSerializer):
    source_type = serializers.SlugRelatedField(slug_field="code", queryset=SourceType.objects.all())

    class Meta:
        model = DataSource
        fields = ["indicator", *DataSource.DESCRIPTION_FIELDS]


class ExactNumberField(serializers.DecimalField):
    """A value as a JSON number with the digits it was given: 412.6, 750.664 (not "412.6000000000")."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=28, decimal_places=10, coerce_to_string=False, **kwargs)

    # The stubs say a DecimalField represents as str; with coerce_to_string=False DRF itself returns a Decimal.
    def to_representation(self, value: Decimal) -> Decimal | None:  # type: ignore[override]
        return value_exact(value)


def _moment_text(moment: datetime | None) -> str | None:
    return None if moment is None else MOMENT.to_representation(moment)


MOMENT = serializers.DateTimeField()


class ObservationSerializer(serializers.ModelSerializer):
    """A value with its provenance and its release: `public` says whether the public sees it (staff and the
    country's focal points also read embargoed ones, with `embargoed_until`); a value that replaced an earlier
    public one carries `revised_on` (when it became public) and `previous_value`."""

    obs_value = ExactNumberField(read_only=True)
    release = serializers.IntegerField(source="publication.release_id", read_only=True)
    public = serializers.SerializerMethodField()
    embargoed_until = serializers.SerializerMethodField()
    revised_on = serializers.SerializerMethodField()
    previous_value = serializers.SerializerMethodField()

    class Meta:
        model = Observation
        fields = [
            *LAYOUT_COLUMNS,
            "release",
            "submission",
            "source_row",
            "public",
            "embargoed_until",
            "revised_on",
            "previous_value",
        ]

    def to_representation(self, instance: Observation) -> dict[str, Any]:
        """The fields above, built directly: through every field's own method a page of values spent most of
        its time here (the read bench's profile); the field methods below stay as the schema's description."""
        release = instance.publication.release
        public = release.is_public(self.context.get("at"))
        earlier = self._earlier(instance)
        row: dict[str, Any] = {c: getattr(instance, c) for c in LAYOUT_COLUMNS}
        row["obs_value"] = value_exact(instance.obs_value)
        row["release"] = release.pk
        row["submission"] = instance.submission_id
        row["source_row"] = instance.source_row
        row["public"] = public
        held = not public and release.public_at is not None and release.withdrawn_at is None
        row["embargoed_until"] = _moment_text(release.public_at) if held else None
        row["revised_on"] = _moment_text(earlier.revised_on) if earlier else None
        row["previous_value"] = value_exact(earlier.value) if earlier else None
        return row

    def _release(self, observation: Observation) -> Release:
        return observation.publication.release

    @extend_schema_field(serializers.BooleanField())
    def get_public(self, observation: Observation) -> bool:
        return self._release(observation).is_public(self.context.get("at"))

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_embargoed_until(self, observation: Observation) -> str | None:
        release = self._release(observation)
        if release.is_public(self.context.get("at")) or release.public_at is None or release.withdrawn_at:
            return None
        return serializers.DateTimeField().to_representation(release.public_at)

    def _earlier(self, observation: Observation) -> Earlier | None:
        earlier: dict[int, Earlier] = self.context.get("earlier", {})
        return earlier.get(observation.pk)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_revised_on(self, observation: Observation) -> str | None:
        earlier = self._earlier(observation)
        if earlier is None or earlier.revised_on is None:
            return None
        return serializers.DateTimeField().to_representation(earlier.revised_on)

    @extend_schema_field(
        serializers.DecimalField(max_digits=28, decimal_places=10, coerce_to_string=False, allow_null=True)
    )
    def get_previous_value(self, observation: Observation) -> Decimal | None:
        earlier = self._earlier(observation)
        return value_exact(earlier.value) if earlier else None


class ReleaseSerializer(serializers.ModelSerializer):
    """A release: when it is (or was to be) public, its state, and what it changed; its submissions are
    listed for ILO staff only."""

    state = serializers.CharField(read_only=True)
    observation_count = serializers.IntegerField(read_only=True, default=0)
    new_count = serializers.IntegerField(read_only=True, default=0)
    revised_count = serializers.IntegerField(read_only=True, default=0)
    unchanged_count = serializers.IntegerField(read_only=True, default=0)
    countries = serializers.SerializerMethodField()
    tables = serializers.SerializerMethodField()
    submissions = serializers.SerializerMethodField()

    class Meta:
        model = Release
        fields = [
            "id",
            "title",
            "note",
            "state",
            "public_at",
            "scheduled",
            "withdrawn_at",
            "observation_count",
            "new_count",
            "revised_count",
            "unchanged_count",
            "countries",
            "tables",
            "submissions",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Release) -> dict[str, Any]:
        data = super().to_representation(instance)
        for name in ("observation_count", "new_count", "revised_count", "unchanged_count"):
            data[name] = data[name] or 0  # a release nothing joined yet sums to null
        return data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_countries(self, release: Release) -> list[str]:
        return sorted({p.submission.country_id for p in release.publications.all()})

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tables(self, release: Release) -> list[str]:
        tables: dict[int, list[str]] = self.context.get("tables", {})
        return tables.get(release.pk, [])

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField(), allow_null=True))
    def get_submissions(self, release: Release) -> list[int] | None:
        request = self.context.get("request")
        if request is None or not access.is_reviewer(request.user):
            return None
        return sorted(p.submission_id for p in release.publications.all())


class ReleaseInputSerializer(serializers.Serializer):
    """What an admin sends to schedule or change a release (the service checks the moment and the texts)."""

    title = serializers.CharField(max_length=200, trim_whitespace=True)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    public_at = serializers.DateTimeField(
        help_text="ISO 8601; now or later (a moment within the current minute means now). Without a time zone: "
        "the portal's."
    )
