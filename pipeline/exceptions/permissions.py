"""The permission table of exception actions: data in permissions.json, validated when loaded."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from db.models.access import ROLES

PERMISSIONS_FILE = Path(__file__).resolve().parent / "permissions.json"
AUTOMATION_ROLE = "automation"
ACTIONS = (
    "reallocate",
    "split_shipment",
    "request_address_confirmation",
    "release_address_hold",
    "notify_customer",
    "assign_to_me",
    "automate",
    "escalate",
    "resolve",
)


class ActionPermission(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str = Field(min_length=1)
    roles: frozenset[str] = Field(min_length=1)

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, roles: frozenset[str]) -> frozenset[str]:
        unknown = sorted(roles - {*ROLES, AUTOMATION_ROLE})
        if unknown:
            raise ValueError(f"unknown role(s) {unknown}; roles are {sorted(ROLES)} and {AUTOMATION_ROLE!r}")
        return roles


class PermissionTable(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    actions: dict[str, ActionPermission]

    @field_validator("actions")
    @classmethod
    def _every_action(cls, actions: dict[str, ActionPermission]) -> dict[str, ActionPermission]:
        missing, unknown = sorted(set(ACTIONS) - set(actions)), sorted(set(actions) - set(ACTIONS))
        if missing or unknown:
            raise ValueError(f"actions: missing {missing}, unknown {unknown}; the actions are {ACTIONS}")
        return actions

    def allows(self, role: str, action: str) -> bool:
        permission = self.actions.get(action)
        return permission is not None and role in permission.roles

    def label(self, action: str) -> str:
        return self.actions[action].label


@lru_cache(maxsize=1)
def permission_table(path: Path = PERMISSIONS_FILE) -> PermissionTable:
    document = json.loads(path.read_text())
    return PermissionTable.model_validate(
        {key: value for key, value in document.items() if not key.startswith("_")}
    )
