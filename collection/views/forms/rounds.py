"""Forms of the round pages: they read what the admin typed; `rounds` decides whether it is allowed."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.http import QueryDict

from collection.lib.numbers import whole_number
from collection.models import Country, Region, Round, TableDefinition


class DateInput(forms.DateInput):
    """The browser's date picker, which reads and writes ISO dates whatever the locale."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def _numbers(text: str, example: str) -> list[int]:
    """'2025, 2026' (commas or spaces) → [2025, 2026]."""
    parts = [p for p in re.split(r"[,;\s]+", text.strip()) if p]
    if not all(whole_number(p) for p in parts):
        raise forms.ValidationError(f"Write whole numbers separated by commas, e.g. {example}.")
    return [int(p) for p in parts]


class RoundForm(forms.Form):
    """Create, copy or change a round. The service checks the name, the years, the dates and that the countries
    are members of the region; the page shows the chosen region's members only."""

    region = forms.ChoiceField(
        required=False,
        help_text="The round asks the countries of this region; choose it first, then its countries below.",
    )
    name = forms.CharField(max_length=100, help_text="Unique, e.g. ILMS 2026.")
    reference_years = forms.CharField(
        label="Reference years", max_length=100, help_text="The years asked for, separated by commas, e.g. 2024, 2025."
    )
    opens_on = forms.DateField(
        label="Opening day",
        required=False,
        widget=DateInput,
        help_text="Optional. A draft round opens by itself on this day; leave empty to open it by hand.",
    )
    deadline = forms.DateField(widget=DateInput, help_text="Each country can be given a later one afterwards.")
    reminder_days = forms.CharField(
        label="Reminder days",
        required=False,
        max_length=100,
        help_text="Days before the deadline on which focal points are reminded, e.g. 14, 3. Empty: no reminders.",
    )
    countries = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, error_messages={"required": "Choose at least one country."}
    )
    tables = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, error_messages={"required": "Choose at least one table."}
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = list(Region.objects.values_list("code", "name"))
        cast(forms.ChoiceField, self.fields["region"]).choices = [
            (code, name if code in name else f"{name} ({code})") for code, name in regions
        ]
        # Every country is a valid choice, so that one outside the region reaches the service's refusal in words.
        cast(forms.ChoiceField, self.fields["countries"]).choices = list(Country.objects.values_list("iso3", "name"))
        cast(forms.ChoiceField, self.fields["tables"]).choices = [
            (indicator, f"{title} ({indicator})")
            for indicator, title in TableDefinition.objects.values_list("indicator", "title")
        ]

    def clean_reference_years(self) -> list[int]:
        years = _numbers(self.cleaned_data["reference_years"], "2024, 2025")
        if not years:
            raise forms.ValidationError("Give at least one reference year.")
        return years

    def clean_reminder_days(self) -> list[int]:
        return _numbers(self.cleaned_data["reminder_days"], "14, 3")

    @property
    def chosen_region(self) -> Region | None:
        """The region whose members the page lists: as posted, else as the form started."""
        code = self.data.get("region") if self.is_bound else self.initial.get("region")
        return Region.objects.filter(code=code).first() if code else None

    def country_boxes(self) -> list[Any]:
        """The country checkboxes to show: the chosen region's members, and any other country ticked (so that
        a refused one stays visible beside its refusal)."""
        members = set(self.chosen_region.countries.values_list("iso3", flat=True)) if self.chosen_region else None
        ticked = set(
            cast(QueryDict, self.data).getlist("countries") if self.is_bound else self.initial.get("countries") or []
        )
        return [box for box in self["countries"] if members is None or box.data["value"] in members | ticked]


def round_form_initial(values: dict[str, Any] | None = None) -> dict[str, Any]:
    """The form's starting values: every country and table ticked and the usual reminders, unless `values`
    (a round's, or a copy's from `rounds.round_copy_defaults`) say otherwise. Lists become '2025, 2026'."""
    values = values or {}
    region = values.get("region") or Region.objects.values_list("code", flat=True).first()
    initial = {
        "region": region,
        "countries": region_countries(region),
        "tables": list(TableDefinition.objects.values_list("indicator", flat=True)),
        "reminder_days": [14, 3],
        **{k: v for k, v in values.items() if k != "region"},
    }
    for key in ("reference_years", "reminder_days"):
        if isinstance(initial.get(key), list):
            initial[key] = ", ".join(str(n) for n in initial[key])
    return initial


def region_countries(code: str | None) -> list[str]:
    """The ISO3 codes of a region's members (every country when there is no region yet)."""
    countries = Country.objects.filter(regions__code=code) if code else Country.objects.all()
    return list(countries.order_by("name").values_list("iso3", flat=True))


def round_form_reselect(post: QueryDict) -> dict[str, str | list[str]]:
    """The form as posted, with every country or table ticked or none (`select` is e.g. 'tables-all'), or with
    the members of the region just chosen ('region')."""
    field, _, choice = post.get("select", "").partition("-")
    values: dict[str, str | list[str]] = {
        name: post.get(name, "")
        for name in ("region", "name", "reference_years", "opens_on", "deadline", "reminder_days")
    }
    values["countries"] = post.getlist("countries")
    values["tables"] = post.getlist("tables")
    region = post.get("region") or None
    if field == "region":
        values["countries"] = region_countries(region)
    elif field == "countries":
        values["countries"] = region_countries(region) if choice == "all" else []
    elif field == "tables":
        values["tables"] = round_form_initial()["tables"] if choice == "all" else []
    return values


class ExtendForm(forms.Form):
    """A later deadline for every country of the round, or for one."""

    deadline = forms.DateField(label="New deadline", widget=DateInput)
    country = forms.ChoiceField(label="For", required=False)

    def __init__(self, *args: Any, round_: Round, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["country"]).choices = [
            ("", "All countries"),
            *round_.countries.values_list("iso3", "name"),
        ]


class CountryTermsForm(forms.Form):
    """Reopen a closed round for one country (optionally until a day of its own), or close it again."""

    country = forms.CharField(max_length=3)
    deadline = forms.DateField(label="Until", required=False, widget=DateInput)
