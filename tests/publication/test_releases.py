"""Scheduling, moving and withdrawing releases: admins only, never a moment in the past, audited, and the
embargo follows the moment wherever it is moved."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from collection.lib.errors import NotAllowed, PortalError, WrongState
from collection.models import AuditAction, AuditEntry, Release
from collection.publication.releases import release_change, release_create, release_withdraw, releases_upcoming
from collection.review.decisions import submission_approve
from tests import factories
from tests.publication.test_publication import edited
from tests.publication.test_vintages import TODAY, TOMORROW_9, publish_with, revise, revised, total

pytestmark = pytest.mark.django_db

TITLE = "Thailand: 2026 annual return"


def schedule(admin_user, public_at=TOMORROW_9, title=TITLE) -> Release:
    return release_create(
        user=admin_user, title=title, note="Labour Force Survey 2025, census weights.", public_at=public_at
    )


@time_machine.travel(TODAY, tick=False)
def test_an_admin_schedules_a_release_and_the_audit_log_says_so(admin_user):
    release = schedule(admin_user)
    assert release.scheduled and release.state == "scheduled" and release.created_by == admin_user
    assert list(releases_upcoming()) == [release]
    entry = AuditEntry.objects.get(action=AuditAction.RELEASE_CREATED, object_id=str(release.pk))
    assert entry.actor == admin_user and "02 Dec 2026 09:00 UTC" in entry.summary


@time_machine.travel(TODAY, tick=False)
def test_only_admins_schedule_move_and_withdraw(admin_user, reviewer, focal_point):
    release = schedule(admin_user)
    for user in (reviewer, focal_point):
        with pytest.raises(NotAllowed):
            schedule(user)
        with pytest.raises(NotAllowed):
            release_change(user=user, release=release, title="Another title")
        with pytest.raises(NotAllowed):
            release_withdraw(user=user, release=release)
    release.refresh_from_db()
    assert release.title == TITLE and release.withdrawn_at is None


@time_machine.travel(TODAY, tick=False)
def test_a_release_moment_is_never_in_the_past_but_may_be_now(admin_user):
    with pytest.raises(PortalError, match="in the past"):
        schedule(admin_user, public_at=TODAY - dt.timedelta(minutes=1))
    with pytest.raises(PortalError, match="date and time"):
        schedule(admin_user, public_at=None)
    # "Now" as a form can say it (the current minute) becomes the moment of the request, never earlier.
    now = schedule(admin_user, public_at=TODAY.replace(second=0))
    assert now.public_at == TODAY and now.is_public()
    release = schedule(admin_user)
    with pytest.raises(PortalError, match="in the past"):
        release_change(user=admin_user, release=release, public_at=dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC))
    assert Release.objects.get(pk=release.pk).public_at == TOMORROW_9


@time_machine.travel(TODAY, tick=False)
def test_titles_and_notes_are_checked_with_a_sentence(admin_user):
    for title, words in (("   ", "Give the release a title"), ("x" * 201, "keep it to 200"), ("Tha\x00iland", "NUL")):
        with pytest.raises(PortalError, match=words):
            schedule(admin_user, title=title)
    with pytest.raises(PortalError, match="note"):
        release_create(user=admin_user, title=TITLE, note="n" * 5001, public_at=TOMORROW_9)
    release = schedule(admin_user)
    with pytest.raises(PortalError, match="cannot be changed"):
        release_change(user=admin_user, release=release, scheduled=False)
    assert Release.objects.count() == 1


@time_machine.travel(TODAY, tick=False)
def test_moving_a_release_is_audited_with_before_and_after(admin_user):
    release = schedule(admin_user)
    later = TOMORROW_9 + dt.timedelta(days=7)
    release_change(user=admin_user, release=release, public_at=later, title=TITLE, note="")
    release.refresh_from_db()
    assert release.public_at == later and release.note == ""
    entry = AuditEntry.objects.get(action=AuditAction.RELEASE_CHANGED)
    assert "moved from 02 Dec 2026 09:00 UTC to 09 Dec 2026 09:00 UTC" in entry.summary
    assert set(entry.detail["after"]) == {"public_at", "note"}  # the title did not change
    release_change(user=admin_user, release=release, title=TITLE)  # nothing changed: nothing recorded
    assert AuditEntry.objects.filter(action=AuditAction.RELEASE_CHANGED).count() == 1


@time_machine.travel(TODAY, tick=False)
def test_a_release_out_or_withdrawn_no_longer_changes(admin_user, focal_point, reviewer, open_round):
    release = schedule(admin_user)
    with time_machine.travel(TOMORROW_9, tick=False):
        with pytest.raises(WrongState, match="came out on 02 Dec 2026 09:00 UTC"):
            release_change(user=admin_user, release=release, title="Renamed")
        with pytest.raises(WrongState, match="came out"):
            release_withdraw(user=admin_user, release=release)
    other = schedule(admin_user, title="To withdraw")
    release_withdraw(user=admin_user, release=other)
    with pytest.raises(WrongState, match="was withdrawn"):
        release_withdraw(user=admin_user, release=other)
    with pytest.raises(WrongState, match="was withdrawn"):
        release_change(user=admin_user, release=other, public_at=TOMORROW_9)
    own = publish_with(focal_point, reviewer, open_round, factories.sample_csv()).release
    with pytest.raises(WrongState, match="not a schedule"):
        release_change(user=admin_user, release=own, title="Renamed")
    assert AuditEntry.objects.filter(action=AuditAction.RELEASE_WITHDRAWN).count() == 1


@time_machine.travel(TODAY, tick=False)
def test_moving_the_moment_moves_the_embargo(client, admin_user, focal_point, reviewer, open_round):
    content = factories.sample_csv()
    publish_with(focal_point, reviewer, open_round, content)
    release = schedule(admin_user)
    publish_with(focal_point, reviewer, open_round, edited(content, revise), release=release)
    later = TOMORROW_9 + dt.timedelta(days=1)
    release_change(user=admin_user, release=release, public_at=later)
    with time_machine.travel(TOMORROW_9, tick=False):
        assert not revised(total(client))  # the old moment no longer makes it public
    with time_machine.travel(later, tick=False):
        assert revised(total(client))
    release_change(user=admin_user, release=release, public_at=TODAY.replace(second=0))  # brought forward to now
    assert revised(total(client))


@time_machine.travel(TODAY, tick=False)
def test_a_withdrawn_release_keeps_its_values_from_the_public_and_can_no_longer_be_joined(
    client, admin_user, focal_point, reviewer, open_round
):
    content = factories.sample_csv()
    publish_with(focal_point, reviewer, open_round, content)
    release = schedule(admin_user)
    publish_with(focal_point, reviewer, open_round, edited(content, revise), release=release)
    release_withdraw(user=admin_user, release=release)
    entry = AuditEntry.objects.get(action=AuditAction.RELEASE_WITHDRAWN)
    assert "the values of its 1 submission(s) never become public" in entry.summary
    assert list(releases_upcoming()) == []
    with time_machine.travel(TOMORROW_9 + dt.timedelta(days=30), tick=False):
        assert not revised(total(client))
    submission = factories.validated(focal_point, open_round)
    factories.submit(focal_point, submission)
    with pytest.raises(PortalError, match="was withdrawn"):
        submission_approve(user=reviewer, submission=submission, release=release)
    submission.refresh_from_db()
    assert submission.status == "submitted"
