"""Which role may open which page: the data file, its validation, and what the navigation is built from."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from dashboard.roles import PAGES_FILE, PageCatalog, may_open, page, page_roles, pages_for, planned_pages_for
from db.models.access import ROLES

EVERYONE = {"admin", "manager", "supervisor", "floor_lead", "support_agent"}

# Issue #3's table of who may open what, today's page and the pages still to come.
EXPECTED = {
    "live_flow": EVERYONE,
    "exception_queue": {"admin", "supervisor", "floor_lead", "support_agent"},
    "kpi_trends": {"admin", "manager", "supervisor"},
    "order_timeline": {"admin", "supervisor", "support_agent", "manager"},
    "data_health": {"admin", "supervisor"},
    "labor_planning": {"admin", "supervisor", "manager"},
    "admin": {"admin"},
    "source_activity": {"admin", "supervisor", "manager", "floor_lead"},
}


def catalog_with(**changes) -> dict:
    raw = json.loads(PAGES_FILE.read_text())
    raw["pages"]["source_activity"].update(changes)
    return raw


def test_every_page_lists_the_roles_the_issue_gives_it():
    assert {key: set(roles) for key, roles in page_roles().items()} == EXPECTED


def test_roles_in_the_file_are_the_roles_of_the_database():
    assert set().union(*page_roles().values()) == set(ROLES)


def test_only_built_pages_reach_a_navigation():
    assert pages_for("admin") == ["source_activity"]
    assert pages_for("floor_lead") == ["source_activity"]
    assert pages_for("support_agent") == []
    assert page("source_activity").script_path.is_file()


def test_planned_pages_are_what_a_role_will_get_later():
    assert set(planned_pages_for("support_agent")) == {"live_flow", "exception_queue", "order_timeline"}
    assert "source_activity" not in planned_pages_for("admin")


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_may_open_follows_the_table(role):
    for key, roles in EXPECTED.items():
        assert may_open(role, key) == (role in roles)


def test_unknown_page_is_named_in_the_error():
    with pytest.raises(KeyError, match="unknown page 'nope'"):
        page("nope")


def test_a_role_that_does_not_exist_is_rejected_when_loaded():
    with pytest.raises(ValidationError, match=r"unknown role\(s\) \['janitor'\]"):
        PageCatalog.model_validate(catalog_with(roles=["admin", "janitor"]))


def test_a_page_script_that_does_not_exist_is_rejected_when_loaded():
    with pytest.raises(ValidationError, match="page script 'pages/missing.py' does not exist"):
        PageCatalog.model_validate(catalog_with(script="pages/missing.py"))


def test_a_page_open_to_nobody_is_rejected():
    with pytest.raises(ValidationError, match="roles"):
        PageCatalog.model_validate(catalog_with(roles=[]))
