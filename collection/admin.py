"""The Django admin: the catalogue is edited here, with import/export of code lists and tables."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from import_export import fields
from import_export.admin import ImportExportModelAdmin
from import_export.widgets import ForeignKeyWidget, JSONWidget

from collection.lib.downloads import FormulaSafeResource
from collection.models import (
    AuditEntry,
    Code,
    CodeList,
    Country,
    DataSource,
    Invitation,
    NotificationPreference,
    ObservationStatus,
    Profile,
    Publication,
    Region,
    Release,
    ReminderSent,
    Review,
    Round,
    RoundCountry,
    SourceType,
    Submission,
    TableDefinition,
    TableDimension,
    ValidationIssue,
    ValidationRule,
)
from collection.validation.kinds import KINDS, rule_problems


class CodeResource(FormulaSafeResource):
    codelist = fields.Field(attribute="codelist", column_name="codelist", widget=ForeignKeyWidget(CodeList, "id"))

    class Meta:
        model = Code
        import_id_fields = ["codelist", "code"]
        fields = ["codelist", "code", "label", "is_total", "optional", "sort_order"]


class CodeListResource(FormulaSafeResource):
    class Meta:
        model = CodeList
        fields = ["id", "label", "prefix", "kind"]


class TableDefinitionResource(FormulaSafeResource):
    class Meta:
        model = TableDefinition
        import_id_fields = ["indicator"]
        fields = ["indicator", "title", "unit", "measure", "sort_order"]


class TableDimensionResource(FormulaSafeResource):
    table = fields.Field(attribute="table", column_name="table", widget=ForeignKeyWidget(TableDefinition, "indicator"))
    codelist = fields.Field(attribute="codelist", column_name="codelist", widget=ForeignKeyWidget(CodeList, "id"))

    class Meta:
        model = TableDimension
        import_id_fields = ["table", "column"]
        fields = ["table", "column", "codelist"]


class ValidationRuleResource(FormulaSafeResource):
    """Rules travel as rows: code, table and round identify one; params is JSON; each row is checked like
    a form (full_clean), so a bad parameter or placeholder is reported, not imported."""

    table = fields.Field(attribute="table", column_name="table", widget=ForeignKeyWidget(TableDefinition, "indicator"))
    round = fields.Field(attribute="round", column_name="round", widget=ForeignKeyWidget(Round, "name"))
    params = fields.Field(attribute="params", column_name="params", widget=JSONWidget())

    class Meta:
        model = ValidationRule
        import_id_fields = ["code", "table", "round"]
        fields = ["code", "table", "round", "kind", "severity", "active", "params", "message", "description"]
        clean_model_instances = True

    def validate_instance(
        self,
        instance: ValidationRule,
        import_validation_errors: dict[str, Any] | None = None,
        validate_unique: bool = True,
    ) -> None:
        """The model's own checks and, on top, what the rule's kind says of its parameters and message."""
        errors = dict(import_validation_errors or {})
        try:
            rule_problems(instance)
        except ValidationError as problems:
            errors = problems.update_error_dict(errors)
        super().validate_instance(instance, errors, validate_unique)


class ValidationRuleForm(forms.ModelForm):
    """The form that edits a rule: its kind checks the parameters, the message's placeholders and the table."""

    class Meta:
        model = ValidationRule
        fields = ["code", "kind", "table", "round", "params", "severity", "message", "description", "active"]

    def clean(self) -> dict[str, Any]:
        super().clean()  # a ModelForm's clean always returns its cleaned_data
        data = self.cleaned_data
        if all(name in data for name in ("kind", "params", "message", "table")):
            rule = ValidationRule(
                kind=data["kind"], params=data["params"], message=data["message"], table=data["table"]
            )
            try:
                rule_problems(rule)
            except ValidationError as problems:
                self.add_error(None, problems)
        return data


@admin.register(ValidationRule)
class ValidationRuleAdmin(ImportExportModelAdmin):
    form = ValidationRuleForm
    resource_classes = [ValidationRuleResource]
    list_display = ["code", "table", "round", "kind", "severity", "active"]
    list_filter = ["kind", "severity", "active", "round", "table"]
    search_fields = ["code", "message", "description"]
    list_editable = ["severity", "active"]

    def get_form(
        self, request: HttpRequest, obj: ValidationRule | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[ValidationRule]]:
        """Each kind's parameters and placeholders beside the fields that use them."""
        form = super().get_form(request, obj, change, **kwargs)
        lines = [
            f"{name}: {', '.join(f'{p}={d!r}' for p, d in kind.params.items()) or 'no parameters'}. {kind.help}"
            for name, kind in KINDS.items()
        ]
        form.base_fields["params"].help_text = " · ".join(lines)
        form.base_fields["message"].help_text = " · ".join(
            f"{name}: {', '.join('{' + p + '}' for p in kind.placeholders)}" for name, kind in KINDS.items()
        )
        return form


class CodeInline(admin.TabularInline):
    model = Code
    extra = 0


@admin.register(CodeList)
class CodeListAdmin(ImportExportModelAdmin):
    resource_classes = [CodeListResource]
    list_display = ["id", "label", "prefix", "kind"]
    inlines = [CodeInline]


@admin.register(Code)
class CodeAdmin(ImportExportModelAdmin):
    resource_classes = [CodeResource]
    list_display = ["code", "label", "codelist", "is_total", "optional", "sort_order"]
    list_filter = ["codelist", "is_total"]
    search_fields = ["code", "label"]


class DimensionInline(admin.TabularInline):
    model = TableDimension
    extra = 0


@admin.register(TableDefinition)
class TableDefinitionAdmin(ImportExportModelAdmin):
    resource_classes = [TableDefinitionResource]
    list_display = ["indicator", "title", "unit", "measure", "sort_order"]
    inlines = [DimensionInline]


@admin.register(TableDimension)
class TableDimensionAdmin(ImportExportModelAdmin):
    resource_classes = [TableDimensionResource]
    list_display = ["table", "column", "codelist"]


admin.site.register(Country, list_display=["iso3", "name"])
admin.site.register(SourceType, list_display=["code", "label"])
admin.site.register(ObservationStatus, list_display=["code", "label"])


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role"]
    list_filter = ["role", "countries"]
    filter_horizontal = ["countries"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Submissions and their trail change only through the portal's actions, never by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(Round)
class RoundAdmin(ReadOnlyAdmin):
    """Rounds are run from the portal's round pages, which check each move and record it in the audit log."""

    list_display = ["name", "region", "status", "opens_on", "deadline", "years_label"]
    list_filter = ["region", "status"]


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    """Regions are kept on the portal's region pages (/rounds/regions/), which check their members and audit changes."""

    list_display = ["code", "name", "sort_order", "created_at"]
    filter_horizontal = ["countries"]


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["id", "country", "round", "status", "uploaded_by", "uploaded_at", "error_count", "warning_count"]
    list_filter = ["status", "round", "country"]


@admin.register(ValidationIssue)
class ValidationIssueAdmin(ReadOnlyAdmin):
    list_display = ["submission", "severity", "rule", "row", "column", "message"]
    list_filter = ["severity", "rule"]


admin.site.register(Review, ReadOnlyAdmin, list_display=["submission", "decision", "reviewer", "created_at"])
admin.site.register(DataSource, ReadOnlyAdmin, list_display=["submission", "indicator", "source_type", "name"])
admin.site.register(
    Release, ReadOnlyAdmin, list_display=["id", "title", "public_at", "scheduled", "withdrawn_at", "created_by"]
)
admin.site.register(
    Publication,
    ReadOnlyAdmin,
    list_display=[
        "id",
        "submission",
        "release",
        "approved_by",
        "approved_at",
        "published_at",
        "observation_count",
        "new_count",
        "revised_count",
        "unchanged_count",
        "outdated_count",
    ],
)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit log, to read and search; it is append-only, so nobody adds, changes or deletes here."""

    list_display = ["at", "actor_name", "ip", "action", "object_type", "object_id", "country", "round_name", "summary"]
    list_filter = ["action", "object_type", "country", "at"]
    search_fields = ["actor_name", "summary", "object_label", "object_id", "round_name", "ip"]
    date_hierarchy = "at"
    # The actor is shown by the name kept in the entry: the user row may since have gone (no constraint).
    exclude = ["actor"]


# Written by the round, people and reminder services (which record the audit log); read here.
admin.site.register(
    RoundCountry,
    ReadOnlyAdmin,
    list_display=["round", "country", "deadline", "reopened", "updated_at"],
    list_filter=["round", "reopened"],
)
admin.site.register(
    Invitation,
    ReadOnlyAdmin,
    list_display=["user", "invited_by", "sent_at", "expires_at", "accepted_at"],
    search_fields=["user__username", "user__email"],
)
admin.site.register(
    ReminderSent,
    ReadOnlyAdmin,
    list_display=["round", "country", "user", "kind", "days", "deadline", "sent_at"],
    list_filter=["round", "country", "kind"],
)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    """Each user switches their own e-mails off in the portal; an admin may correct them here."""

    list_display = [
        "user",
        "round_opened",
        "validation_finished",
        "review_outcome",
        "reminder_before",
        "reminder_overdue",
    ]
    list_filter = ["reminder_before", "reminder_overdue"]
    search_fields = ["user__username", "user__email"]
