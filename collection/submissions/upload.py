"""An upload: the file kept as it came, recorded as received, its validation queued (by the machine)."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.files.base import File
from django.db import transaction

from collection import access
from collection.lib.errors import NotAllowed, PortalError
from collection.lib.files import upload_format
from collection.lib.users import User
from collection.models import Country, Round, Submission
from collection.rounds.lifecycle import round_upload_check
from collection.submissions.machine import submission_received

logger = logging.getLogger(__name__)


def submission_upload(*, user: User, round: Round, country: Country, uploaded_file: File[bytes]) -> Submission:
    """Keep the file, record it as received and queue its validation; answers at once."""
    if not access.may_upload(user, country):
        raise NotAllowed(f"You cannot upload for {country.name}.")
    round_upload_check(round, country)
    if uploaded_file.size > settings.MAX_UPLOAD_SIZE:
        limit = settings.MAX_UPLOAD_SIZE // (1024 * 1024)
        raise PortalError(f"The file is larger than the {limit} MB limit.")

    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    file_format = upload_format(uploaded_file)  # by content, so the waiting page already says what it is
    name = upload_name(uploaded_file.name)
    with transaction.atomic():
        submission = Submission(
            round=round,
            country=country,
            original_filename=name,
            sha256=digest.hexdigest(),
            size=uploaded_file.size,
            file_format=file_format,
            uploaded_by=user,
        )
        submission.file.save(name, uploaded_file, save=False)
        submission.save()
        submission_received(
            submission=submission,
            actor=user,
            summary=f"Uploaded {name} ({submission.size:,} bytes) for {country.name}, round {round.name}.",
            detail={"file": name, "sha256": submission.sha256, "size": submission.size},
        )
    logger.info("submission %s received from %s for %s", submission.pk, user, country.iso3)
    return submission


def upload_name(given: str | None) -> str:
    """The name a file is kept under: its last path part, without NUL or other control characters (a
    database text column cannot hold a NUL, and none belongs in a file name), at most 200 characters."""
    name = (given or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:200] or "upload"
