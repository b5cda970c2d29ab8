"""Which roles may open which page: data in dashboard/pages.json, validated when loaded.

The file lists every page Waypoint has or will have. A page whose `script` is null is planned but not
built yet; it is never put in the navigation. Opening a page is checked again on the server by each
page script (`dashboard.session.require_page`), so leaving a page out of the menu is not the only guard.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from db.models.access import ROLES

DASHBOARD_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = DASHBOARD_DIR.parent
PAGES_FILE = DASHBOARD_DIR / "pages.json"


class PageDefinition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(min_length=1)
    icon: str = Field(pattern=r"^:material/[a-z0-9_]+:$")
    section: str = Field(min_length=1, description="Heading the page is listed under in the navigation")
    roles: frozenset[str] = Field(min_length=1)
    script: str | None = Field(description="Page script relative to the project root; null: not built yet")

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, roles: frozenset[str]) -> frozenset[str]:
        unknown = sorted(roles - ROLES.keys())
        if unknown:
            raise ValueError(f"unknown role(s) {unknown}; known roles are {sorted(ROLES)}")
        return roles

    @field_validator("script")
    @classmethod
    def _script_exists(cls, script: str | None) -> str | None:
        if script is not None and not (PROJECT_ROOT / script).is_file():
            raise ValueError(f"page script {script!r} does not exist under {PROJECT_ROOT}")
        return script

    @property
    def built(self) -> bool:
        return self.script is not None

    @property
    def script_path(self) -> Path:
        if self.script is None:
            raise ValueError(f"page {self.title!r} has no script yet")
        return PROJECT_ROOT / self.script


class PageCatalog(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    pages: dict[str, PageDefinition]

    @field_validator("pages")
    @classmethod
    def _page_keys(cls, pages: dict[str, PageDefinition]) -> dict[str, PageDefinition]:
        for key in pages:
            if not key.isidentifier() or key != key.lower():
                raise ValueError(f"page key {key!r} must be a lower-case identifier (it is the URL path)")
        return pages


@cache
def page_catalog() -> PageCatalog:
    """Every page, in navigation order, read once from dashboard/pages.json."""
    return PageCatalog.model_validate(json.loads(PAGES_FILE.read_text()))


def page_roles() -> Mapping[str, frozenset[str]]:
    """page -> the roles that may open it."""
    return {key: page.roles for key, page in page_catalog().pages.items()}


def page(key: str) -> PageDefinition:
    try:
        return page_catalog().pages[key]
    except KeyError:
        raise KeyError(f"unknown page {key!r}; pages are listed in {PAGES_FILE.name}") from None


def may_open(role: str, key: str) -> bool:
    return role in page(key).roles


def built_pages() -> list[str]:
    """Every page that has a script, in navigation order: the URL paths the app answers to."""
    return [key for key, item in page_catalog().pages.items() if item.built]


def pages_for(role: str) -> list[str]:
    """The built pages `role` may open, in navigation order."""
    return [key for key, item in page_catalog().pages.items() if item.built and role in item.roles]


def planned_pages_for(role: str) -> list[str]:
    """Pages `role` will be able to open once they are built."""
    return [key for key, item in page_catalog().pages.items() if not item.built and role in item.roles]
