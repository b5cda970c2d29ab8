"""schemathesis against the OpenAPI document of a real server: whatever a client sends, no 5xx.

Every operation gets a few generated requests, valid by the schema and not (wrong types, missing and
odd parameters, strange bytes), against a database holding real orders. Few examples per operation
keep the run short; the generator is seeded so a failure reproduces.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from sqlalchemy import Engine

from api.app import create_app
from tests.api.live_server import live_server
from tests.api.test_tracking import TRACKED, api_settings, seed_orders

EXAMPLES = 12


@pytest.fixture(scope="module")
def api_url(api_database_url: str, api_engine: Engine) -> Iterator[str]:
    seed_orders(api_engine)
    with live_server(create_app(api_database_url, webhook_secret=None, settings=api_settings())) as url:
        yield url


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_generated_request_gets_a_server_error(api_url: str, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_url(f"{api_url}/openapi.json")
    failures: list[str] = []
    exercised: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8

    for operation in operations:

        @seed(20261125)
        @settings(
            max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case: schemathesis.Case) -> None:
            response = case.call(base_url=api_url, timeout=10)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:200]}"
                )

        try:
            call()
        except Unsatisfiable:  # nothing the schema forbids (no parameters, or any string will do)
            assert mode is GenerationMode.NEGATIVE, operation.label
            continue
        exercised.append(operation.label)

    assert failures == []
    assert "GET /v1/tracking/{order_id}" in exercised


def test_generated_questions_about_a_real_order_get_no_server_error(api_url: str) -> None:
    """The same, with a real order number, so that answers other than 404 (200, 422) are reached."""
    operation = schemathesis.openapi.from_url(f"{api_url}/openapi.json")["/v1/tracking/{order_id}"]["GET"]
    statuses: set[int] = set()
    strategies = (
        operation.as_strategy(path_parameters={"order_id": TRACKED}),
        operation.as_strategy(path_parameters={"order_id": TRACKED}, query={"postal_code": "60614"}),
    )

    for strategy in strategies:

        @seed(20261125)
        @settings(
            max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(case=strategy)
        def call(case: schemathesis.Case) -> None:
            statuses.add(case.call(base_url=api_url, timeout=10).status_code)

        call()

    assert 200 in statuses and max(statuses) < 500
