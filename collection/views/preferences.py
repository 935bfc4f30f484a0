"""Each signed-in user's own settings: the e-mails they receive, and their API token."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import BoundField
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from collection import access
from collection.lib.errors import PortalError
from collection.lib.users import AuthenticatedHttpRequest
from collection.models import NotificationPreference
from collection.notifications import notification_preferences
from collection.people import tokens

# The new key is shown once, on the page the button leads back to; kept in the (server-side) session till then,
# never in a message cookie.
NEW_KEY_SESSION = "api_token_new_key"
TOKEN_ACTIONS = {"create": tokens.token_create, "rotate": tokens.token_rotate}


class NotificationPreferenceForm(forms.ModelForm):
    """One checkbox per kind of e-mail, explained in the words of the person receiving it."""

    class Meta:
        model = NotificationPreference
        fields = ["round_opened", "validation_finished", "review_outcome", "reminder_before", "reminder_overdue"]
        labels = {
            "round_opened": "A round opens",
            "validation_finished": "The checks of my upload have finished",
            "review_outcome": "The ILO returns, approves or publishes a submission",
            "reminder_before": "Reminders before a deadline",
            "reminder_overdue": "Reminders when a deadline has passed",
        }
        help_texts = {
            "round_opened": "When a consultation round that includes your country opens: the tables and years "
            "asked for, your deadline and the link to the workbook.",
            "validation_finished": "Whether the file is valid, how many errors and warnings it has, and the link "
            "to the report. Sent to the uploader and the country's other focal points.",
            "review_outcome": "A returned submission comes with the reviewer's comment; an approved one is "
            "published shortly after.",
            "reminder_before": "Sent on the days before the deadline the ILO chose for the round (e.g. 14 and 3 "
            "days), while some requested tables are not yet submitted.",
            "reminder_overdue": "Sent once when the deadline has passed and tables are still missing. A new "
            "deadline brings new reminders.",
        }

    # The sections of the page, in the order a round unfolds.
    sections = [
        ("Rounds", ["round_opened"]),
        ("Your uploads", ["validation_finished", "review_outcome"]),
        ("Deadline reminders", ["reminder_before", "reminder_overdue"]),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self:  # screen readers read the explanation with the checkbox
            field.field.widget.attrs["aria-describedby"] = f"{field.auto_id}_help"

    def grouped(self) -> list[tuple[str, list[BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.sections]


@login_required
def notification_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Turn kinds of e-mail on or off; a user who never saved here receives them all."""
    form = NotificationPreferenceForm(
        request.POST if request.method == "POST" else None, instance=notification_preferences(request.user)
    )
    if form.is_valid():
        form.save()
        messages.success(request, "Your e-mail settings are saved.")
        return redirect("notification_settings")
    return render(
        request,
        "collection/notification_settings.html",
        {
            "form": form,
            "email": request.user.email,
            "countries": access.user_countries(request.user) if access.is_focal_point(request.user) else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_token(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Your API token: whether you have one and since when; create, rotate (the old key stops at once) or
    revoke it. A new key is shown once, right after it is made."""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "revoke":
                tokens.token_revoke(user=request.user)
                messages.success(request, "Your API token is revoked: scripts using it are refused from now on.")
            elif action in TOKEN_ACTIONS:
                request.session[NEW_KEY_SESSION] = TOKEN_ACTIONS[action](user=request.user).key
            else:
                messages.error(request, "Choose Create, Rotate or Revoke.")
        except PortalError as exc:
            messages.error(request, exc.message)
        return redirect("api_token_settings")
    return render(
        request,
        "collection/api_token.html",
        {"token": tokens.token_of(request.user), "new_key": request.session.pop(NEW_KEY_SESSION, None)},
    )
