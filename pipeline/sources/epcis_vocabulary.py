"""EPCIS 2.0 as Waypoint reads and writes it: our JSON Schema, the business-step table, the locations.

All three are data under pipeline/sources/epcis_schema/, loaded and checked once:
- epcis-document.schema.json: our own JSON Schema of an EPCIS 2.0 document (CBV 2.0 vocabularies);
- biz_steps.json: (bizStep, disposition, where) -> canonical event type, through the shared code-table
  loader; one entry per exported type is marked `export`;
- locations.json: each facility's SGLN, our GLN and order-id pattern, and the extension namespace.

CBV values arrive as bare words (`shipping`, as JSON-LD compacts them) or as URIs
(`urn:epcglobal:cbv:bizstep:shipping`, `https://ref.gs1.org/cbv/BizStep-shipping`); `cbv_word` reduces
both to the word. Private URIs (`https://example.com/bizstep/gift_wrap`) are kept whole.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft202012Validator
from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipeline.schema_formats import FORMAT_CHECKER
from pipeline.sources.mapping import CodeEntry, CodeTable, CodeTableError, load_code_table

HERE = Path(__file__).resolve().parent / "epcis_schema"
SCHEMA_FILE = HERE / "epcis-document.schema.json"
STEPS_FILE = HERE / "biz_steps.json"
LOCATIONS_FILE = HERE / "locations.json"
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
ANY = "*"
CBV_URIS = {
    "bizStep": ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"),
    "disposition": ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
    "bizTransactionType": ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"),
}
_SGLN = re.compile(r"urn:epc:id:sgln:(\d+)\.(\d*)\.(.+)")
_DIGITAL_LINK = re.compile(r"https://id\.gs1\.org/414/(\d{13})(?:/254/.+)?")


@lru_cache(maxsize=1)
def document_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text())


@lru_cache(maxsize=1)
def document_validator() -> Draft202012Validator:
    return Draft202012Validator(document_schema(), format_checker=FORMAT_CHECKER)


def cbv_words(vocabulary: str) -> tuple[str, ...]:
    """The CBV 2.0 words of `bizStep`, `disposition` or `bizTransactionType`, from our schema."""
    return tuple(document_schema()["$defs"][vocabulary]["anyOf"][0]["enum"])


def cbv_word(value: str, vocabulary: str) -> str:
    """A CBV value as its bare word; a private URI unchanged."""
    for prefix in CBV_URIS[vocabulary]:
        if value.startswith(prefix):
            return value.removeprefix(prefix)
    return value


class EpcisStep(CodeEntry):
    biz_step: str = Field(min_length=1, description="A CBV word or a private URI")
    disposition: str = Field(default=ANY, description="A CBV word, a private URI, or * for any (or none)")
    where: Literal["facility", "elsewhere", "*"] = Field(
        default=ANY, description="Is bizLocation one of ours?"
    )
    export: bool = Field(default=False, description="The entry used to write this event type")

    @field_validator("biz_step")
    @classmethod
    def _step(cls, value: str) -> str:
        return _vocabulary_value(value, "bizStep")

    @field_validator("disposition")
    @classmethod
    def _disposition(cls, value: str) -> str:
        return value if value == ANY else _vocabulary_value(value, "disposition")


def _vocabulary_value(value: str, vocabulary: str) -> str:
    if ":" not in value and value not in cbv_words(vocabulary):
        raise ValueError(f"{value!r} is neither a CBV 2.0 {vocabulary} nor a private URI")
    return value


class StepTable:
    """The business-step table: lookups from most to least specific, and the export entry of each type."""

    def __init__(self, codes: CodeTable[EpcisStep], not_exported: dict[str, str]) -> None:
        self.codes = codes
        self.not_exported = not_exported
        exports = Counter(entry.event_type for entry in codes if entry.export)
        twice = sorted(event_type for event_type, count in exports.items() if count > 1)
        if twice:
            raise CodeTableError(f"{STEPS_FILE.name}: more than one export entry for {twice}")
        both = sorted(set(exports) & set(not_exported))
        if both:
            raise CodeTableError(f"{STEPS_FILE.name}: {both} are exported and listed as not exported")
        self.exports = {entry.event_type: entry for entry in codes if entry.export}

    def lookup(self, step: str, disposition: str | None, where: str) -> EpcisStep | None:
        for key in (
            (step, disposition, where),
            (step, disposition, ANY),
            (step, ANY, where),
            (step, ANY, ANY),
        ):
            if key[1] is None:
                continue
            entry = self.codes.lookup(key)
            if entry is not None:
                return entry
        return None


@lru_cache(maxsize=1)
def step_table() -> StepTable:
    not_exported = json.loads(STEPS_FILE.read_text()).get("not_exported", {})
    return StepTable(
        load_code_table(STEPS_FILE, EpcisStep, ("biz_step", "disposition", "where")), not_exported
    )


class Extension(BaseModel):
    model_config = ConfigDict(frozen=True)

    prefix: str = Field(pattern=r"^[a-z][a-z0-9]*$")
    namespace: str = Field(pattern=r"^https?://\S+/$")


class Locations(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    retailer_gln: str = Field(pattern=r"^\d{13}$")
    order_pattern: re.Pattern[str]
    extension: Extension
    facilities: dict[str, str] = Field(min_length=1, description="facility_id -> SGLN URN")

    @field_validator("retailer_gln")
    @classmethod
    def _check_digit(cls, value: str) -> str:
        if check_digit(value[:12]) != value[12]:
            raise ValueError(f"{value} has a wrong GS1 check digit")
        return value

    @field_validator("facilities")
    @classmethod
    def _sglns(cls, value: dict[str, str]) -> dict[str, str]:
        glns = [gln_of(sgln) for sgln in value.values()]
        if None in glns:
            raise ValueError(
                f"not an SGLN URN with a 12-digit company prefix and location reference: {value}"
            )
        if len(set(glns)) != len(glns):
            raise ValueError("two facilities share a GLN")
        return value

    def facility_at(self, location_id: object) -> str | None:
        gln = gln_of(location_id) if isinstance(location_id, str) else None
        return self._by_gln().get(gln) if gln else None

    def _by_gln(self) -> dict[str, str]:
        return {gln_of(sgln): facility_id for facility_id, sgln in self.facilities.items()}


@lru_cache(maxsize=1)
def locations() -> Locations:
    return Locations.model_validate(json.loads(LOCATIONS_FILE.read_text()))


def check_digit(digits: str) -> str:
    """The GS1 mod-10 check digit of a GLN's first 12 digits."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def gln_of(location_id: str) -> str | None:
    """The GLN of an SGLN URN (any extension) or a GS1 Digital Link location; None for anything else."""
    sgln = _SGLN.fullmatch(location_id)
    if sgln:
        digits = sgln.group(1) + sgln.group(2)
        return digits + check_digit(digits) if len(digits) == 12 else None
    link = _DIGITAL_LINK.fullmatch(location_id)
    return link.group(1) if link else None
