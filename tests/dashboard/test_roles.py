"""Which role may open which page: the data file, its validation, and what the navigation is built from."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from dashboard.roles import (
    PAGES_FILE,
    PageCatalog,
    built_pages,
    may_open,
    page,
    page_catalog,
    page_roles,
    pages_for,
    planned_pages_for,
)
from db.models.access import ROLES

EVERYONE = {"admin", "manager", "supervisor", "floor_lead", "support_agent"}

# Issue #3's table of who may open what, the built pages and the pages still to come.
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


def in_file_order(keys: set[str]) -> list[str]:
    return [key for key in page_catalog().pages if key in keys]


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_a_navigation_holds_exactly_the_built_pages_the_role_may_open_in_file_order(role):
    may = {key for key, roles in EXPECTED.items() if role in roles}
    assert pages_for(role) == in_file_order({key for key in may if page(key).built})
    assert all(page(key).script_path.is_file() for key in pages_for(role))


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_planned_pages_are_the_rest_of_what_the_role_may_open(role):
    may = {key for key, roles in EXPECTED.items() if role in roles}
    assert planned_pages_for(role) == in_file_order({key for key in may if not page(key).built})
    assert not set(planned_pages_for(role)) & set(pages_for(role))


def test_built_pages_are_the_pages_with_a_script_in_file_order():
    assert built_pages() == in_file_order({key for key, item in page_catalog().pages.items() if item.built})
    assert set(built_pages()) == set().union(*(pages_for(role) for role in EVERYONE))


def test_a_page_whose_script_is_null_is_planned_not_navigated(monkeypatch):
    raw = json.loads(PAGES_FILE.read_text())
    raw["pages"]["source_activity"]["script"] = None
    monkeypatch.setattr("dashboard.roles.page_catalog", lambda: PageCatalog.model_validate(raw))

    assert "source_activity" not in built_pages()
    assert "source_activity" not in pages_for("floor_lead")
    assert "source_activity" in planned_pages_for("floor_lead")
    assert "live_flow" in pages_for("floor_lead")
    assert "source_activity" not in planned_pages_for("support_agent")  # not open to that role at all


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
