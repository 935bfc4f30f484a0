"""Security headers on every answer, `check --deploy` clean under production settings, API rate limits, and files
only ever handed over as attachments the browser may not sniff."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.http import FileResponse
from rest_framework.authtoken.models import Token

from collection.lib import downloads
from tests import factories
from tests.conftest import ROOT
from tests.publication.test_publication import FORP
from tests.publication.test_vintages import publish_with

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def policy_of(response) -> dict[str, str]:
    directives = (d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";"))
    return {name: value for name, value in directives}


@pytest.mark.parametrize("path", ["/", "/explore/", "/accounts/login/", "/api/docs/", "/api/v1/observations/"])
def test_every_answer_carries_the_policy_and_the_other_headers(client, catalogue, path):
    response = client.get(path)
    assert response.status_code == 200
    assert policy_of(response) == POLICY
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


def test_a_missing_page_and_the_admin_carry_them_too(as_role):
    for response in (as_role("anonymous").get("/no-such-page/"), as_role("admin").get("/admin/")):
        assert policy_of(response) == POLICY and response["X-Frame-Options"] == "DENY"


def test_htmx_is_told_to_add_no_inline_style_and_to_evaluate_nothing(client, catalogue):
    page = client.get("/").content.decode()
    assert '"includeIndicatorStyles": false' in page and '"allowEval": false' in page
    assert "style=" not in page and "<style" not in page


def test_the_api_docs_start_from_a_script_file_and_redoc_leads_there(client):
    page = client.get("/api/docs/").content.decode()
    assert '<script src="/api/docs/?script="></script>' in page
    assert "<script>" not in page and "<style" not in page
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript") and b"SwaggerUIBundle" in script.content
    redoc = client.get("/api/redoc/")
    assert redoc.status_code == 302 and redoc["Location"] == "/api/docs/"


def test_the_browsable_api_has_no_inline_style(as_role, catalogue):
    page = as_role("admin").get("/api/v1/observations/", HTTP_ACCEPT="text/html").content.decode()
    assert "Django REST framework" in page and "style=" not in page and "<style" not in page


def test_the_admin_export_page_has_no_inline_style_or_handler(as_role):
    page = as_role("admin").get("/admin/collection/codelist/export/").content.decode()
    assert "Select all" in page and "style=" not in page and "onchange" not in page
    assert "collection/admin-export.js" in page


# --- `manage.py check --deploy` ------------------------------------------------------------------------------------

PRODUCTION = {
    "DEBUG": "false",
    "SECURE_COOKIES": "true",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "ilms.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://ilms.example.org",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """manage.py in a process of its own, with the environment a deployment gives (and nothing of the suite's)."""
    # Nor the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE, which they set in this process (check --deploy refuses it).
    ours = {*PRODUCTION, "SECURE_HSTS_PRELOAD", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in ours}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings():
    done = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
    assert "WARNINGS" not in done.stdout + done.stderr


def test_check_deploy_is_clean_with_preloading_chosen_too():
    done = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, SECURE_HSTS_PRELOAD="true")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues (0 silenced)" in done.stdout


SHOW = (
    "from django.conf import settings as s; from django.test import Client; c = Client();"
    "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE);"
    "r = c.get('/accounts/login/', HTTP_HOST='ilms.example.org'); print(r.status_code, r.get('Location'));"
    "r = c.get('/accounts/login/', HTTP_HOST='ilms.example.org', HTTP_X_FORWARDED_PROTO='https');"
    "print(r.status_code, r.get('Strict-Transport-Security'))"
)


def test_over_https_plain_http_is_redirected_and_browsers_are_told_to_keep_to_https():
    done = manage("shell", "--no-imports", "-c", SHOW, **PRODUCTION)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == [
        "True 31536000 True True",
        "301 https://ilms.example.org/accounts/login/",
        "200 max-age=31536000; includeSubDomains",
    ]


def test_without_secure_cookies_the_portal_is_served_over_plain_http():
    done = manage("shell", "--no-imports", "-c", SHOW, **{**PRODUCTION, "SECURE_COOKIES": "false"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["False 0 False False", "200 None"]


@pytest.mark.parametrize("key", ["short", "x" * 60, "django-insecure-" + secrets.token_urlsafe(50)])
def test_a_weak_secret_key_stops_a_production_start_with_a_sentence(key):
    done = manage("check", **{**PRODUCTION, "SECRET_KEY": key})
    assert done.returncode != 0
    assert "SECRET_KEY is too short or too plain: give at least 50 random characters" in done.stderr


# --- throttling ----------------------------------------------------------------------------------------------------


@pytest.fixture
def rates(settings):
    """Small limits, so that a test reaches them in a few requests."""

    def set_rates(**rates: str) -> None:
        defaults = {"anon": "1000/minute", "user": "1000/minute", "downloads": "1000/hour"}
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**defaults, **rates}}

    return set_rates


def assert_throttled(response, within: int) -> None:
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= within
    # The API's error shape; a CSV download's error is the same JSON under the CSV's type, as its other errors
    assert json.loads(response.content)["detail"].startswith("Request was throttled.")


def test_anonymous_use_is_limited_per_address(api, catalogue, rates):
    rates(anon="3/minute")
    for _ in range(3):
        assert api.get("/api/v1/observations/").status_code == 200
    assert_throttled(api.get("/api/v1/observations/"), within=60)
    assert_throttled(api.get("/api/v1/releases/"), within=60)  # the address, whatever it asks for
    other = api.get("/api/v1/observations/", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200
    spoofed = api.get("/api/v1/observations/", HTTP_X_FORWARDED_FOR="10.0.0.10")
    assert spoofed.status_code == 429  # a client's own X-Forwarded-For picks no fresh count


def test_a_token_is_limited_per_person(api, focal_point, other_focal_point, rates):
    rates(user="3/minute", anon="1/minute")
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=focal_point).key}")
    for _ in range(3):
        assert api.get("/api/v1/submissions/").status_code == 200
    assert_throttled(api.get("/api/v1/submissions/"), within=60)
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=other_focal_point).key}")
    assert api.get("/api/v1/submissions/").status_code == 200  # another person's count, from the same address


def test_whole_table_downloads_have_a_stricter_limit_of_their_own(api, catalogue, rates):
    rates(downloads="2/hour")
    for _ in range(2):
        assert api.get("/api/v1/observations/", {"format": "csv"}).status_code == 200
    assert_throttled(api.get("/api/v1/observations/", {"format": "csv"}), within=3600)
    assert api.get("/api/v1/observations/").status_code == 200  # a page of values is not a download


def test_sdmx_data_counts_as_a_download_and_structures_as_api_use(client, catalogue, rates):
    rates(downloads="2/hour", anon="5/minute")
    data = f"/sdmx/data/ILO,DF_{FORP},1.0/all"
    for _ in range(2):
        assert client.get(data).status_code in (200, 404)  # 404: nothing published yet, counted all the same
    assert_throttled(client.get(data), within=3600)
    for _ in range(2):  # 3 + 2 requests in all: the address's five
        assert client.get("/sdmx/dataflow/ILO/").status_code == 200
    assert_throttled(client.get("/sdmx/dataflow/ILO/"), within=60)


def test_the_suite_starts_each_test_with_fresh_counts(api, catalogue, rates):
    """The conftest clears the counts: the tests above used up the address's limit, this one has all of it."""
    rates(anon="1/minute")
    assert api.get("/api/v1/observations/").status_code == 200
    assert api.get("/api/v1/observations/").status_code == 429


def test_production_rates_come_from_the_environment():
    done = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'])",
        **PRODUCTION,
        THROTTLE_DOWNLOADS="5/hour",
    )
    assert done.stdout.strip() == "{'anon': '120/minute', 'user': '600/minute', 'downloads': '5/hour'}"


# --- files handed over only as attachments, never sniffed -----------------------------------------------------------


def assert_attachment(response, filename: str | None = None) -> None:
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=")
    if filename:
        assert filename in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_uploaded_file_is_only_handed_back_as_an_attachment(as_role, tha_valid):
    response = as_role("fp_tha").get(f"/submissions/{tha_valid.pk}/file/")
    assert_attachment(response, tha_valid.original_filename)
    assert b"".join(response.streaming_content) == tha_valid.file.open("rb").read()


def test_an_uploaded_web_page_is_handed_back_as_an_attachment_never_sniffed(as_role, focal_point, open_round):
    submission = factories.upload(focal_point, open_round, b"<html><script>alert(1)</script></html>\n", name="p.csv")
    response = as_role("fp_tha").get(f"/submissions/{submission.pk}/file/")
    assert_attachment(response, "p.csv")
    assert "html" not in response["Content-Type"]


def test_the_helpers_every_built_file_leaves_through_make_attachments():
    """The annotated copy, workbooks and registers leave through these (lib/downloads)."""
    for response in (
        downloads.xlsx_response(b"PK", "annotated.xlsx"),
        downloads.file_response(b"a,b", content_type="text/csv", filename="x.csv"),
    ):
        assert response["Content-Disposition"].startswith("attachment; filename=")
    with (ROOT / "manage.py").open("rb") as fh:
        streamed = downloads.xlsx_file_response(fh, "x.xlsx")
        assert isinstance(streamed, FileResponse) and streamed["Content-Disposition"].startswith("attachment")


@pytest.fixture
def published(focal_point, reviewer, open_round):
    return publish_with(focal_point, reviewer, open_round, factories.sample_csv())


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("fp_tha", "/rounds/{round}/THA/workbook/"),
        ("reviewer", "/rounds/{round}/dashboard/xlsx/"),
        ("reviewer", "/rounds/{round}/dashboard/csv/"),
        ("reviewer", "/audit/export/csv/"),
        ("reviewer", "/audit/export/xlsx/"),
        ("anonymous", "/countries/THA/availability/xlsx/"),
        ("anonymous", f"/explore/download/csv/?indicator={FORP}&ref_area=THA"),
        ("anonymous", f"/explore/download/xlsx/?indicator={FORP}&ref_area=THA"),
        ("anonymous", f"/downloads/{FORP}.csv.gz"),
        ("anonymous", "/api/v1/observations/?format=csv"),
        ("fp_tha", "/api/v1/rounds/{round}/workbook/?country=THA"),
    ],
)
def test_every_generated_file_is_an_attachment(as_role, published, open_round, role, path):
    response = as_role(role).get(path.format(round=open_round.pk))
    assert_attachment(response)
