"""The API fuzzed from its own schema: every operation, as an admin and as a focal point, with made-up input
(valid by the schema and not), and path ids that hit real objects (a round, submissions at each step, a
published one, another country's, releases, a value) as well as missing ones. No answer is a server error, and
every answer is one the schema documents: its status code, its content type and its body."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from collection.models import Observation, Release, TableDefinition
from collection.publication.publish import observations_publish
from collection.publication.releases import release_create
from collection.review.decisions import submission_approve
from ilms_portal.wsgi import application
from tests import factories

# A few cases per operation, generation mode and role keep the module within a couple of minutes; set
# FUZZ_EXAMPLES higher for a deeper run by hand. derandomize: the same cases on every run, in CI too.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def real_ids(focal_point, other_focal_point, reviewer, admin_user, open_round) -> dict[str, list[object]]:
    """What a path may name, per resource: a published, a submitted and a valid submission of Thailand's, one of
    Malaysia's (another country for the focal point), a release that is out and a scheduled one, a value."""
    published = factories.submit(focal_point, factories.validated(focal_point, open_round))
    submission_approve(user=reviewer, submission=published)
    observations_publish(submission_id=published.pk)
    submitted = factories.submit(focal_point, factories.validated(focal_point, open_round))
    valid = factories.validated(focal_point, open_round)
    other = factories.validated(other_focal_point, open_round, factories.sample_csv("MYS"), country="MYS")
    release_create(user=admin_user, title="Scheduled release", public_at=timezone.now() + dt.timedelta(days=30))
    return {
        "rounds": [open_round.pk],
        "submissions": [published.pk, submitted.pk, valid.pk, other.pk],
        "releases": list(Release.objects.values_list("pk", flat=True)),
        "observations": list(Observation.objects.values_list("pk", flat=True)[:1]),
        "tables": list(TableDefinition.objects.values_list("indicator", flat=True)[:2]),
    }


@pytest.fixture
def schema(db) -> Iterator[schemathesis.BaseSchema]:
    """The schema as the portal serves it, called through the WSGI app inside the test's transaction: as in
    Django's test client, the request signals must not close the connection that holds it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _cases(operation: schemathesis.APIOperation, mode: GenerationMode, real_ids: dict[str, list[object]]):
    """Cases with made-up path values, and cases whose path names a real object of the operation's resource."""
    made_up = operation.as_strategy(mode)
    names = [p.name for p in operation.path_parameters]
    real = real_ids.get(operation.path.split("/")[3], [])  # /api/v1/<resource>/...
    if not names or not real:
        return made_up
    return st.one_of(
        made_up, st.sampled_from(real).flatmap(lambda v: operation.as_strategy(mode, path_parameters={names[0]: v}))
    )


@dataclass
class Tally:
    runs: int = 0  # an operation in one generation mode
    cases: int = 0
    failures: dict[str, str] = field(default_factory=dict)


def _describe(error: BaseException) -> str:
    """What failed, without the tracebacks: each check's own text."""
    if isinstance(error, BaseExceptionGroup):
        return "\n".join(_describe(e) for e in error.exceptions)
    return f"{type(error).__name__}: {str(error)[:800]}"


def _keep(token: Token) -> None:
    """The caller's token as it was: the token endpoints rotate and revoke it, and every later case would
    then be answered 401 and prove nothing."""
    if not Token.objects.filter(key=token.key).exists():
        Token.objects.filter(user=token.user).delete()
        Token.objects.create(key=token.key, user=token.user)


def _fuzz(schema: schemathesis.BaseSchema, real_ids: dict[str, list[object]], token: Token) -> Tally:
    headers = {"Authorization": f"Token {token.key}"}
    tally = Tally()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],  # no shrinking: the failure is reported as found
                suppress_health_check=list(HealthCheck),
            )
            @given(case=_cases(operation, mode, real_ids))
            def run(case: schemathesis.Case) -> None:
                tally.cases += 1
                try:
                    case.call_and_validate(headers=headers, checks=CHECKS)
                finally:
                    _keep(token)

            try:
                run()
            except Unsatisfiable:
                continue  # nothing to make invalid: no parameter or body, or only a free text in the path
            except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - every failure, reported together
                tally.failures[f"{operation.label} [{mode.value}]"] = _describe(error)
            tally.runs += 1
    return tally


@pytest.mark.parametrize("role", ["admin", "fp_tha"])
def test_the_api_answers_as_its_schema_says(schema, real_ids, people, role):
    token = Token.objects.create(user=people[role])
    tally = _fuzz(schema, real_ids, token)
    held = tally.runs - len(tally.failures)
    print(f"{role}: {tally.cases} cases in {tally.runs} runs (operation x mode), {held} of {tally.runs} held")
    assert tally.runs >= 60  # every operation was reached (38 today, most in both modes)
    assert not tally.failures, "\n\n".join(f"{label}:\n{text}" for label, text in tally.failures.items())
