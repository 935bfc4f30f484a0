"""Web forms: they collect input; the services in submissions.py and sources.py decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from collection import access
from collection.lib.users import RequestUser
from collection.models import Country, DataSource, Round
from collection.rounds.lifecycle import rounds_accepting


class UploadForm(forms.Form):
    round = forms.ModelChoiceField(
        queryset=Round.objects.none(),
        empty_label=None,
        help_text="Only open rounds that include your country are listed.",
    )
    country = forms.ModelChoiceField(queryset=Country.objects.none(), empty_label=None)
    file = forms.FileField(
        help_text="The standard workbook as saved by Excel (.xlsx) or LibreOffice (.ods), or the long layout "
        "(ILOSTAT columns: ref_area, indicator, source, sex, classif1, classif2, time, obs_value, obs_status, note) "
        "as CSV (UTF-8, comma or semicolon), XLSX or ODS (first sheet).",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.ods,.csv,.txt,text/csv"}),
    )

    def __init__(self, *args: Any, user: RequestUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # What the user may choose, kept here too: the page asks whether the round it was opened for is offered.
        self.countries: QuerySet[Country] = access.upload_countries(user)
        self.rounds: QuerySet[Round] = rounds_accepting(self.countries)
        cast(forms.ModelChoiceField, self.fields["country"]).queryset = self.countries
        cast(forms.ModelChoiceField, self.fields["round"]).queryset = self.rounds


class ReturnForm(forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What should the focal point change? They will see this comment.",
    )


class ApproveForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class DataSourceForm(forms.ModelForm):
    class Meta:
        model = DataSource
        fields = DataSource.DESCRIPTION_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}


class ExplanationForm(forms.Form):
    """An answer to one warning (`issue`) or to every warning of a rule (`rule`, optionally in one table)."""

    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)
    issue = forms.IntegerField(required=False, widget=forms.HiddenInput)
    rule = forms.CharField(required=False, widget=forms.HiddenInput)
    indicator = forms.CharField(required=False, widget=forms.HiddenInput)
