"""The region form: a code, a name and member countries chosen from every ISO 3166 country; the service
(`rounds.regions.region_save`) decides."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.http import QueryDict

from collection.models import Region
from collection.rounds.regions import iso_countries


class RegionForm(forms.Form):
    """Create a region (code, name, members) or change one's name and members (its code stays)."""

    code = forms.CharField(
        max_length=20,
        help_text="2-20 capital letters, digits or _, e.g. SOUTH_ASIA. It appears in addresses and file names and "
        "cannot change later.",
    )
    name = forms.CharField(max_length=200, help_text="As pages and e-mails show it, e.g. South Asia.")
    countries = forms.MultipleChoiceField(
        label="Member countries",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one member country."},
        help_text="Any ISO 3166 country; one not yet in the portal is added with its ISO name.",
    )

    def __init__(self, *args: Any, region: Region | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.region = region
        choices = iso_countries()
        ticked = set(
            cast(QueryDict, self.data).getlist("countries") if self.is_bound else self.initial.get("countries") or []
        )
        # The members first, so that what the region holds is seen without scrolling through 249 countries.
        choices.sort(key=lambda c: c[0] not in ticked)
        cast(forms.ChoiceField, self.fields["countries"]).choices = choices
        if region is not None:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = "A region's code is kept for good: addresses and file names carry it."

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip().upper()
