"""The release form: it reads what the admin typed; `publication.releases` decides whether it is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils import timezone

from collection.publication.releases import NOTE_MAX, TITLE_MAX


class DateTimeInput(forms.DateTimeInput):
    """The browser's date and time picker, which reads and writes ISO moments whatever the locale."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class MomentField(forms.DateTimeField):
    """A date and time; Python's ISO reader takes a NUL after the time as if it were not there, so it is refused
    here, as a text field refuses it."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise forms.ValidationError(ProhibitNullCharactersValidator.message, code="null_characters_not_allowed")
        return super().to_python(value)


class ReleaseForm(forms.Form):
    """Schedule or move a release. The service checks the moment (now or later) and the texts."""

    title = forms.CharField(max_length=TITLE_MAX, help_text="What the public reads, e.g. Thailand: 2026 annual return.")
    public_at = MomentField(
        label="Public from",
        widget=DateTimeInput,
        help_text="Date and time ({tz}) the values become public. Until then only ILO staff and the countries' "
        "focal points see them. A time within the current minute means now.",
    )
    note = forms.CharField(
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Optional: what the release brings and why, shown on the calendar and in the feed.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["public_at"]
        field.help_text = str(field.help_text).format(tz=timezone.get_current_timezone_name())
