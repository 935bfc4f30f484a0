"""Forms of the people pages: they collect input; people.py decides."""

from __future__ import annotations

from typing import Any

from django import forms

from collection.models import Country, Role


class RoleCountriesForm(forms.Form):
    """A role and, for a focal point, the countries they report for (a country may have several)."""

    role = forms.ChoiceField(choices=Role.choices, initial=Role.FOCAL_POINT)
    countries = forms.ModelMultipleChoiceField(
        queryset=Country.objects.order_by("name"),
        to_field_name="iso3",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Required for a focal point; ignored for reviewers and admins, who see every country.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # labels without a colon, as on the portal's other forms
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("role") == Role.FOCAL_POINT and not data.get("countries"):
            self.add_error("countries", "Choose at least one country for a focal point.")
        return data

    def country_codes(self) -> list[str]:
        if self.cleaned_data["role"] != Role.FOCAL_POINT:
            return []
        return [c.iso3 for c in self.cleaned_data["countries"]]


class InviteForm(RoleCountriesForm):
    email = forms.EmailField(
        label="E-mail",
        max_length=150,  # it becomes the username, which Django caps at 150
        help_text="The invitation goes here; it is also the username they sign in with.",
    )
    name = forms.CharField(label="Full name", max_length=150, required=False)

    field_order = ["email", "name", "role", "countries"]
