"""In a browser: the lockout page after five wrong passwords, and the API token page (screenshots)."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from tests import factories
from tests.browser import needs_chromium, shot, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]


def test_five_wrong_passwords_show_the_lockout_page(page, live_server, catalogue):
    factories.make_user("fp_tha", "focal_point", ["THA"])
    for _ in range(5):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "fp_tha")
        page.fill("#id_password", "wrong-password-again")
        page.click("button[type=submit]")
    page.wait_for_selector("text=Too many attempts")
    assert page.locator("text=Try again at").count() == 1
    shot(page, "auth-lockout")
    page.click("text=Reset my password")
    page.wait_for_url("**/accounts/password_reset/")


def test_the_owner_creates_and_rotates_a_token_in_the_browser(page, live_server, catalogue):
    user = factories.make_user("reviewer", "reviewer")
    sign_in(page, live_server.url, "reviewer", "/account/api-token/")
    shot(page, "auth-token-none")
    page.click("text=Create a token")
    page.wait_for_selector("text=copy it now")
    assert page.locator(f"code:text-is('{Token.objects.get(user=user).key}')").count() == 1
    shot(page, "auth-token-new")
    page.reload()
    page.wait_for_selector("text=You have a token, created on")
    shot(page, "auth-token")
