"""The management commands a new admin runs: add_user, drf_create_token, seed_demo, sample_file."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token

from collection.access import user_role
from collection.models import AuditAction, AuditEntry, Observation, Release, Round


def test_add_user_creates_a_focal_point_for_several_countries(catalogue, capsys):
    call_command(
        "add_user",
        "ana",
        "--role",
        "focal_point",
        "--country",
        "tha",
        "LAO",
        "--email",
        "ana@x.org",
        "--password",
        "a-long-password-1",
    )
    user = get_user_model().objects.get(username="ana")
    assert user_role(user) == "focal_point"
    assert sorted(user.profile.countries.values_list("iso3", flat=True)) == ["LAO", "THA"]
    assert user.email == "ana@x.org" and user.check_password("a-long-password-1")
    assert not user.is_staff
    assert "ana: focal_point for THA LAO" in capsys.readouterr().out


def test_add_user_admin_gets_the_django_admin(catalogue):
    call_command("add_user", "boss", "--role", "admin")
    user = get_user_model().objects.get(username="boss")
    assert user.is_staff and user.is_superuser and not user.has_usable_password()


def test_add_user_changes_a_role(catalogue):
    call_command("add_user", "rev", "--role", "focal_point", "--country", "THA")
    call_command("add_user", "rev", "--role", "reviewer")
    user = get_user_model().objects.get(username="rev")
    assert user_role(user) == "reviewer"
    assert not user.profile.countries.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["x", "--role", "focal_point"], "needs at least one country"),
        (["x", "--role", "focal_point", "--country", "FRA"], "Unknown country code"),
    ],
)
def test_add_user_refuses_with_a_clear_message(catalogue, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("add_user", *args)


def test_drf_create_token_gives_an_api_token(catalogue, capsys):
    call_command("add_user", "api_user", "--role", "reviewer")
    call_command("drf_create_token", "api_user")
    token = Token.objects.get(user__username="api_user")
    assert token.key in capsys.readouterr().out


def test_seed_demo_creates_logins_and_an_open_round(catalogue, capsys):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    out = capsys.readouterr().out
    assert "fp_tha" in out and "fp_npl" in out and "reviewer" in out
    users = get_user_model().objects
    # A focal point per country of both regions: ASEAN's ten and the eight of South Asia the demo admin added.
    assert users.filter(profile__role="focal_point").count() == 18
    round_ = Round.objects.get(status="open", region="ASEAN")
    assert round_.countries.count() == 10 and round_.tables.count() == 16
    south = Round.objects.get(status="open", region="SOUTH_ASIA")
    assert south.name == "ILMS South Asia 2026" and south.countries.count() == 8
    assert "Demo round 'ILMS South Asia 2026' (South Asia) is open." in out
    assert users.get(username="fp_vnm").profile.countries.get().iso3 == "VNM"
    assert users.get(username="fp_npl").profile.countries.get().name == "Nepal"
    assert AuditEntry.objects.filter(action=AuditAction.REGION_CREATED, object_id="SOUTH_ASIA").count() == 1
    # Demo people have names, so pages and e-mails greet them as real ones ("Dear Somchai Suksawat,").
    assert not users.filter(first_name="").exists()
    assert users.get(username="fp_tha").get_full_name() == "Somchai Suksawat"
    # A published history of the first region, once: the workspace, the public pages and the workbooks have
    # something to show.
    assert out.count("Published") == 1
    assert Round.objects.get(name="ILMS 2025").status == "closed"
    current = Observation.objects.filter(is_current=True)
    assert set(current.values_list("ref_area", flat=True).distinct()) == set(
        Round.objects.get(name="ILMS 2025").countries.values_list("iso3", flat=True)
    )
    assert set(current.values_list("time", flat=True).distinct()) == {"2021", "2022", "2023", "2024"}


def test_sample_file_writes_a_valid_long_layout(catalogue, tmp_path):
    call_command("seed_demo")
    path = tmp_path / "s.csv"
    call_command("sample_file", "THA", "--output", str(path))
    lines = path.read_text().splitlines()
    assert lines[0].startswith("ref_area,indicator,source,sex,classif1,classif2,time,obs_value")
    assert {line.split(",")[0] for line in lines[1:]} == {"THA"}


def test_seed_demo_shows_an_embargo_at_work(catalogue, client):
    """The demo has a revision scheduled for tomorrow 09:00 Bangkok time: the public sees the earlier value."""
    call_command("seed_demo")
    release = Release.objects.get(scheduled=True)
    assert release.is_upcoming() and timezone.localtime(release.public_at, ZoneInfo("Asia/Bangkok")).hour == 9
    query = {"indicator": "MST_FORP_SEX_CBR_NB", "ref_area": "THA", "sex": "SEX_T", "classif1": "CBR_BRT_TOTAL"}
    query["time"] = "2024"
    [public] = client.get("/api/v1/observations/", query).json()["results"]
    assert public["obs_status"] == "" and public["public"]
    client.force_login(get_user_model().objects.get(username="reviewer"))
    [staff] = client.get("/api/v1/observations/", query).json()["results"]
    assert staff["obs_status"] == "B" and staff["release"] == release.pk and staff["embargoed_until"]
