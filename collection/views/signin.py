"""The sign-in pages' guards: the lockout page (axes calls lockout_response), the password-reset form with its
limit on e-mails, and the reset link whose wrong guesses are counted like wrong passwords."""

from __future__ import annotations

import math
from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from collection.audit.record import client_ip
from collection.people.signin import (
    API_TOKEN_DOOR,
    RESET_LINK_DOOR,
    attempted_username,
    door_failed,
    door_locked,
    lock_lifts_at,
    lock_sentence,
    reset_request_record,
    reset_request_wait,
)

API_PREFIXES = ("/api/", "/sdmx/")


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """429 with Retry-After and when to try again: the portal's page, or JSON for the API (AXES_LOCKOUT_CALLABLE)."""
    username = attempted_username(request, credentials) or ""
    until = lock_lifts_at(username=username, ip=client_ip(request))
    retry_after = str(max(1, math.ceil((until - timezone.now()).total_seconds())))
    response: HttpResponse
    if request.path.startswith(API_PREFIXES) or username == API_TOKEN_DOOR:
        response = JsonResponse(
            {"detail": f"Too many unknown API tokens from your address; try again at {lock_sentence(until)}."},
            status=429,
        )
    else:
        context = {"until": until, "when": lock_sentence(until), "reset_link": username == RESET_LINK_DOOR}
        response = render(request, "registration/lockout.html", context, status=429)
    response["Retry-After"] = retry_after
    return response


class PasswordResetRequestView(auth_views.PasswordResetView):
    """Django's form, with at most PASSWORD_RESET_LIMIT_PER_EMAIL e-mails an hour per address typed and
    PASSWORD_RESET_LIMIT_PER_IP per client. Refused or sent, the answer never says whether an account exists."""

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        email = form.cleaned_data["email"]
        wait = reset_request_wait(email=email, request=self.request)
        if wait is not None:
            form.add_error(
                "email",
                f"Too many reset links were asked for from here or for this address. Try again at "
                f"{lock_sentence(wait)}; a link already sent stays valid.",
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        reset_request_record(email=email)
        return super().form_valid(form)


class PasswordResetLinkView(auth_views.PasswordResetConfirmView):
    """Django's reset link; an invalid one counts as a failure of this address (RESET_LINK_DOOR), and an address
    locked out for guessing links gets the lockout page, even for a good link."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if door_locked(request, RESET_LINK_DOOR):
            return lockout_response(request, None, {"username": RESET_LINK_DOOR})
        response = super().dispatch(request, *args, **kwargs)
        if not self.validlink and not isinstance(response, HttpResponseRedirect):
            door_failed(request, RESET_LINK_DOOR)  # the page says the link is invalid; axes may turn it to lockout
        return response
