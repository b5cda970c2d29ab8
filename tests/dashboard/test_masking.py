"""Personal data: the roles that talk to customers see it, the others see just enough to recognise it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from dashboard.masking import (
    MaskingPolicy,
    contact_for,
    mask_email,
    mask_free_text,
    mask_name,
    mask_phone,
    masked_payload,
    payload_for,
    sees_personal_data,
)
from db.models.access import ROLES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

WMS_ROW = {
    "seq": 1042,
    "txn_code": "ORD",
    "details": {
        "ship_to": {"name": "Ana Ruiz", "city": "San Francisco", "zip": "94110"},
        "contact": {"email": "ana.ruiz@example.com", "phone": "+14155550142"},
        "lines": [{"item": "SKU-1", "qty": 1}],
    },
}


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("admin", True),
        ("support_agent", True),
        ("manager", False),
        ("supervisor", False),
        ("floor_lead", False),
    ],
)
def test_only_admins_and_support_agents_see_personal_data(role: str, sees: bool):
    assert sees_personal_data(role) is sees


def test_every_role_has_a_decision():
    assert {role for role in ROLES if sees_personal_data(role)} == {"admin", "support_agent"}


def test_an_email_keeps_its_first_letters_and_top_level_domain():
    assert mask_email("jane.doe@example.com") == "j***@e***.com"
    assert mask_email(" Ann.Lee@mail.example.co.uk ") == "A***@m***.uk"
    assert mask_email("not-an-email") == "***"


def test_a_phone_keeps_its_last_four_digits():
    assert mask_phone("+1 (312) 555-0101") == "***-***-0101"
    assert mask_phone("+14155550142") == "***-***-0142"
    assert mask_phone("12") == "***"


def test_a_name_keeps_its_initials():
    assert mask_name("Ana Ruiz") == "A*** R***"
    assert mask_name("D. PARK") == "D*** P***"


def test_contact_details_per_role():
    assert contact_for("support_agent", "jane.doe@example.com", "+1 312 555 0101") == (
        "jane.doe@example.com",
        "+1 312 555 0101",
    )
    assert contact_for("manager", "jane.doe@example.com", "+1 312 555 0101") == (
        "j***@e***.com",
        "***-***-0101",
    )
    assert contact_for("floor_lead", None, None) == (None, None)


def test_a_payload_is_masked_wherever_personal_data_sits():
    masked = masked_payload(WMS_ROW)

    assert masked["details"]["ship_to"] == {"name": "A*** R***", "city": "San Francisco", "zip": "94110"}
    assert masked["details"]["contact"] == {"email": "a***@e***.com", "phone": "***-***-0142"}
    assert masked["details"]["lines"] == WMS_ROW["details"]["lines"]
    assert masked["seq"] == 1042
    assert "ana" not in json.dumps(masked).lower()


def test_names_outside_a_personal_container_are_not_people():
    payload = {
        "service": {"name": "UPS Ground"},
        "pod": {"signed_by": "D. PARK"},
        "customer": {"name": "Bo Chan"},
    }

    masked = masked_payload(payload)

    assert masked == {
        "service": {"name": "UPS Ground"},
        "pod": {"signed_by": "D*** P***"},
        "customer": {"name": "B*** C***"},
    }


def test_carrier_street_lines_and_free_text_contacts_are_masked_but_tracking_numbers_are_not():
    payload = {
        "scanLocation": {"streetLines": ["12 Main St", ""], "city": "COLUMBUS"},
        "subject": "Call me on +1 312 555 0101 or mail ann@example.com",
        "trackingNumber": "794619838472",
        "description": "Delivered, left at front door",
    }

    masked = masked_payload(payload)

    assert masked["scanLocation"] == {"streetLines": ["1*** M*** S***", ""], "city": "COLUMBUS"}
    assert masked["subject"] == "Call me on ***-***-0101 or mail a***@e***.com"
    assert masked["trackingNumber"] == "794619838472"
    assert masked["description"] == payload["description"]


def test_every_carriers_signer_field_is_masked():
    usps = json.loads((FIXTURES / "usps" / "tracking_detail.json").read_text())
    payloads = {
        "usps": usps,
        "ups": {"package": [{"deliveryInformation": {"receivedBy": "M. YAZZIE"}}]},
        "fedex": {"deliveryDetails": {"receivedByName": "M. YAZZIE"}},
        "easypost": {"tracker": {"signed_by": "M. YAZZIE"}},
        "swiftmile": {"pod": {"signed_by": "M. YAZZIE"}},
    }

    for carrier, payload in payloads.items():
        shown = json.dumps(masked_payload(payload))
        assert "YAZZIE" not in shown and "M*** Y***" in shown, carrier


def test_free_text_leaves_numbers_that_are_not_phones():
    assert mask_free_text("Order SO-0001230001, tracking 1Z999AA10000000001") == (
        "Order SO-0001230001, tracking 1Z999AA10000000001"
    )


def test_payloads_are_shown_as_they_are_to_roles_that_see_personal_data():
    assert payload_for("support_agent", WMS_ROW) is WMS_ROW
    assert payload_for("supervisor", WMS_ROW) == masked_payload(WMS_ROW)


def test_the_policy_file_names_only_known_roles_and_normalized_keys():
    with pytest.raises(ValidationError, match="unknown role"):
        MaskingPolicy.model_validate(
            {
                "unmasked_roles": ["admin", "cashier"],
                "email_key_parts": ["email"],
                "phone_key_parts": ["phone"],
                "personal_keys": [],
                "personal_containers": [],
                "name_keys": ["name"],
            }
        )
    with pytest.raises(ValidationError, match="lower-case without"):
        MaskingPolicy.model_validate(
            {
                "unmasked_roles": ["admin"],
                "email_key_parts": ["email"],
                "phone_key_parts": ["phone"],
                "personal_keys": ["signed_by"],
                "personal_containers": [],
                "name_keys": ["name"],
            }
        )
