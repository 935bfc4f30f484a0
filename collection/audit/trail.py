"""Reading the audit log: the filter of the audit page, its export, and the history of one published value.

Recording entries is `audit.audit_record`; this module only reads them, so the log stays append-only."""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from import_export import fields, resources
from import_export.widgets import JSONWidget
from openpyxl import Workbook

from collection import access
from collection.lib.downloads import text_only_cell
from collection.lib.users import RequestUser, User
from collection.models import (
    AuditAction,
    AuditEntry,
    Country,
    Round,
)

# The families of actions, by the prefix of their code, in the order the filter lists them.
ACTION_GROUPS = {"submission": "Submissions", "round": "Rounds", "region": "Regions", "user": "Users and roles"}
OBJECT_PATTERN = re.compile(r"^\s*(?:(submission|round|user)s?\s*)?#?\s*(\d+)?\s*$", re.IGNORECASE)


def action_choices() -> list[tuple[str, str | list[tuple[str, str]]]]:
    """The actions grouped as the filter shows them: submissions, rounds, regions, users."""
    groups = [
        (label, [(value, text) for value, text in AuditAction.choices if value.split(".")[0] == prefix])
        for prefix, label in ACTION_GROUPS.items()
    ]
    return [("", "Any action"), *groups]


class AuditFilterForm(forms.Form):
    """The audit page's filters (GET): every field is optional and narrows the entries shown and exported."""

    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    actor = forms.CharField(
        required=False, label="Who", widget=forms.TextInput(attrs={"list": "audit-actors", "placeholder": "username"})
    )
    action = forms.ChoiceField(required=False, choices=action_choices)
    country = forms.ChoiceField(required=False)
    round = forms.ChoiceField(required=False)
    object = forms.CharField(
        required=False,
        help_text="e.g. submission 12, round 3, user 7",
        widget=forms.TextInput(attrs={"placeholder": "submission 12"}),
    )
    text = forms.CharField(required=False, label="Summary contains")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["country"]).choices = [
            ("", "Any country"),
            *Country.objects.values_list("iso3", "name"),
        ]
        cast(forms.ChoiceField, self.fields["round"]).choices = [
            ("", "Any round"),
            *((n, n) for n in Round.objects.values_list("name", flat=True)),
        ]

    def clean_object(self) -> tuple[str, str]:
        match = OBJECT_PATTERN.match(self.cleaned_data["object"])
        if not match:
            raise forms.ValidationError("Write the kind and the number, e.g. submission 12.")
        return (match.group(1) or "").lower(), match.group(2) or ""

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def entries(self) -> QuerySet[AuditEntry]:
        """The entries the valid filters select (none when a filter is invalid, rather than all of them)."""
        if not self.is_valid():
            return AuditEntry.objects.none()
        kind, number = self.cleaned_data["object"]
        return audit_entry_list(
            date_from=self.cleaned_data["date_from"],
            date_to=self.cleaned_data["date_to"],
            actor=self.cleaned_data["actor"],
            action=self.cleaned_data["action"],
            country=self.cleaned_data["country"],
            round_name=self.cleaned_data["round"],
            object_type=kind,
            object_id=number,
            text=self.cleaned_data["text"],
        )

    @property
    def active(self) -> bool:
        return any(self.data.get(name) for name in self.fields)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_entry_list(
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    actor: str = "",
    action: str = "",
    country: str = "",
    round_name: str = "",
    object_type: str = "",
    object_id: str = "",
    text: str = "",
) -> QuerySet[AuditEntry]:
    """Entries newest first; both dates are whole days (the 'to' day included), compared on the indexed time."""
    entries = AuditEntry.objects.all()
    if date_from:
        entries = entries.filter(at__gte=_day_start(date_from))
    if date_to:
        entries = entries.filter(at__lt=_day_start(date_to + dt.timedelta(days=1)))
    if actor:
        entries = entries.filter(actor_name__iexact=actor.strip())
    if action:
        entries = entries.filter(action=action)
    if country:
        entries = entries.filter(country=country)
    if round_name:
        entries = entries.filter(round_name=round_name)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=object_id)
    if text:
        entries = entries.filter(summary__icontains=text.strip())
    return entries.order_by("-at", "-id")


def actor_names() -> list[str]:
    """Usernames offered while typing in the 'who' filter."""
    return ["system", *User.objects.order_by("username").values_list("username", flat=True)]


# Reading one entry


def _text(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def audit_detail_lines(detail: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The detail JSON as (what, value) lines: a status or field change as 'from → to', comments in full."""
    detail = dict(detail or {})
    lines: list[tuple[str, str]] = []
    if "from" in detail and "to" in detail:
        lines.append(("Change", f"{_text(detail.pop('from'))} → {_text(detail.pop('to'))}"))
    comment = detail.pop("comment", None)
    for key, value in detail.items():
        label = key.replace("_", " ").capitalize()
        if isinstance(value, dict) and "from" in value and "to" in value:
            lines.append((label, f"{_text(value['from'])} → {_text(value['to'])}"))
        else:
            lines.append((label, _text(value)))
    if comment:
        lines.append(("Comment", comment))
    return lines


def audit_object_url(entry: AuditEntry, user: RequestUser) -> str | None:
    """Where the entry's object is shown to this user: a submission, a round's or a region's page, or a person
    (admins)."""
    if entry.object_type == "region":  # keyed by its code
        return reverse("region_detail", args=[entry.object_id])
    if not entry.object_id.isdigit():
        return None
    if entry.object_type == "submission":
        return reverse("submission_detail", args=[entry.object_id])
    if entry.object_type == "round":
        return reverse("round_manage", args=[entry.object_id])
    if entry.object_type == "user" and access.is_admin(user):
        return reverse("people_edit", args=[entry.object_id])
    return None


@dataclass
class EntryRow:
    """One entry as the audit page and the history show it."""

    entry: AuditEntry
    url: str | None
    lines: list[tuple[str, str]]


def audit_rows(entries: Iterable[AuditEntry], user: RequestUser) -> list[EntryRow]:
    return [EntryRow(e, audit_object_url(e, user), audit_detail_lines(e.detail)) for e in entries]


# Export


class ReadableJSONWidget(JSONWidget):
    """JSON with its letters as written (a comment in Thai stays Thai, an arrow stays an arrow)."""

    def render(self, value: object, obj: object = None, **kwargs: object) -> str | None:
        return json.dumps(value, ensure_ascii=False) if value else None


class AuditEntryResource(resources.ModelResource):
    """The log's columns in an export: the action's code and its words, the detail as JSON."""

    action_label = fields.Field(column_name="action_label", readonly=True)
    detail = fields.Field(attribute="detail", column_name="detail", widget=ReadableJSONWidget())

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor_name",
            "ip",
            "action",
            "action_label",
            "object_type",
            "object_id",
            "object_label",
            "country",
            "round_name",
            "summary",
            "detail",
        ]
        export_order = fields

    def dehydrate_action_label(self, entry: AuditEntry) -> str:
        return entry.get_action_display()


def audit_export_rows(entries: QuerySet[AuditEntry]) -> Iterator[list[Any]]:
    """The header, then one row per entry, read in chunks (the log can be long), as the Resource renders them."""
    resource = AuditEntryResource()
    yield resource.get_export_headers()
    for entry in resource.iter_queryset(entries):
        yield resource.export_resource(entry)


def audit_xlsx_file(entries: QuerySet[AuditEntry]) -> tempfile.SpooledTemporaryFile[bytes]:
    """An XLSX workbook written row by row (openpyxl's write-only mode), spilling to disk when large; every
    cell is text, so nothing in the log is ever read as a formula."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Audit log")
    for row in audit_export_rows(entries):
        sheet.append([text_only_cell(sheet, value) for value in row])
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    book.save(out)
    out.seek(0)
    return out


# The history of one published value
