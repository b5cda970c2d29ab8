"""Customers' personal data on the dashboard: shown to the roles that talk to customers, masked for the rest.

A support agent with a customer on the line needs the email and phone to confirm who they speak to; a
manager reviewing an order does not. Who sees what, and which payload keys hold personal data, is data:
dashboard/masking.json. Masking keeps just enough to recognise a value (j***@e***.com, ***-***-1234), so
a masked screen can still be compared with what a customer reads out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from db.models.access import ROLES

POLICY_FILE = Path(__file__).resolve().parent / "masking.json"
HIDDEN = "***"
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# A phone written for people: a leading + or a separator between digit groups. Bare digit runs are left
# alone: they are tracking numbers, sequence numbers and ids far more often than phones.
_PHONE_IN_TEXT = re.compile(r"(?<![\w+])(?:\+\d[\d ().-]{7,}\d|\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4})(?!\w)")


class MaskingPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    comment: str = Field(default="", alias="_comment")
    unmasked_roles: frozenset[str] = Field(description="Roles that see personal data as it is")
    email_key_parts: frozenset[str] = Field(
        min_length=1, description="A key containing one of these holds an email"
    )
    phone_key_parts: frozenset[str] = Field(
        min_length=1, description="A key containing one of these holds a phone"
    )
    personal_keys: frozenset[str] = Field(description="Keys whose values are personal wherever they appear")
    personal_containers: frozenset[str] = Field(description="Objects whose name_keys are a person's name")
    name_keys: frozenset[str] = Field(description="Keys that are a person's name inside a personal container")

    @field_validator("unmasked_roles")
    @classmethod
    def _known_roles(cls, roles: frozenset[str]) -> frozenset[str]:
        unknown = sorted(roles - ROLES.keys())
        if unknown:
            raise ValueError(f"unmasked_roles: unknown role(s) {unknown}; known roles are {sorted(ROLES)}")
        return roles

    @field_validator(
        "email_key_parts", "phone_key_parts", "personal_keys", "personal_containers", "name_keys"
    )
    @classmethod
    def _normalized_keys(cls, keys: frozenset[str]) -> frozenset[str]:
        odd = sorted(key for key in keys if key != normalized_key(key))
        if odd:
            raise ValueError(f"keys must be lower-case without '_' or '-': {odd}")
        return keys


@cache
def masking_policy() -> MaskingPolicy:
    """dashboard/masking.json, read and validated once."""
    return MaskingPolicy.model_validate(json.loads(POLICY_FILE.read_text()))


def normalized_key(key: str) -> str:
    return key.lower().replace("_", "").replace("-", "")


def sees_personal_data(role: str) -> bool:
    return role in masking_policy().unmasked_roles


def mask_email(email: str) -> str:
    """jane.doe@example.com -> j***@e***.com: first letters and the top-level domain stay."""
    local, at, domain = email.strip().rpartition("@")
    if not at or not local or not domain:
        return HIDDEN
    labels = domain.split(".")
    masked_domain = f"{labels[0][:1]}{HIDDEN}" + (f".{labels[-1]}" if len(labels) > 1 else "")
    return f"{local[:1]}{HIDDEN}@{masked_domain}"


def mask_phone(phone: str) -> str:
    """+1 (312) 555-0101 -> ***-***-0101: the last four digits stay, what a caller can confirm."""
    digits = re.sub(r"\D", "", phone)
    return f"{HIDDEN}-{HIDDEN}-{digits[-4:]}" if len(digits) >= 4 else HIDDEN


def mask_name(name: str) -> str:
    """Ana Ruiz -> A*** R***: initials only."""
    initials = [word[:1] for word in re.split(r"[\s.]+", name) if word]
    return " ".join(f"{initial}{HIDDEN}" for initial in initials) or HIDDEN


def mask_free_text(text: str) -> str:
    """Emails and phones written inside free text (ticket subjects, carrier remarks)."""
    text = _EMAIL_IN_TEXT.sub(lambda match: mask_email(match.group()), text)
    return _PHONE_IN_TEXT.sub(lambda match: mask_phone(match.group()), text)


def contact_for(role: str, email: str | None, phone: str | None) -> tuple[str | None, str | None]:
    """The customer's email and phone as `role` may see them."""
    if sees_personal_data(role):
        return email, phone
    return (mask_email(email) if email else None, mask_phone(phone) if phone else None)


def payload_for(role: str, value: Any) -> Any:
    """A payload or attributes object as `role` may see it: personal values masked, structure kept."""
    return value if sees_personal_data(role) else masked_payload(value)


def masked_payload(value: Any, key: str = "", container: str = "") -> Any:
    """A copy of a JSON-like value with every personal value masked."""
    policy = masking_policy()
    if isinstance(value, Mapping):
        inside = normalized_key(key)
        return {name: masked_payload(item, name, inside) for name, item in value.items()}
    if isinstance(value, list):
        return [masked_payload(item, key, container) for item in value]
    if not isinstance(value, str):
        return value
    name = normalized_key(key)
    if any(part in name for part in policy.email_key_parts):
        return mask_free_text(value) if "@" in value else (HIDDEN if value.strip() else value)
    if any(part in name for part in policy.phone_key_parts):
        return mask_phone(value) if value else value
    personal_name = name in policy.name_keys and container in policy.personal_containers
    if (name in policy.personal_keys or personal_name) and value.strip():
        return mask_name(value)
    return mask_free_text(value)
