"""Source adapters, one module per source format. Which module reads which source is data (below).

A source name is `<kind>:<name>` or a bare kind: `wms:DC-RNO`, `stores`, `carrier:ups`, `helpdesk`,
`epcis:<sender>`, `canonical:<sender>`. Carriers are read by their `feed_format` in
db/reference/carriers.json, so OnTrac (via an EasyPost-style webhook) uses the `easypost` module.
Each module exposes `adapter(source: str) -> SourceAdapter`.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

# Aliased: the name `carriers` in this package is the subpackage pipeline.sources.carriers once imported.
from db.master_data import carriers as known_carriers
from pipeline.sources.base import SourceAdapter

ADAPTER_MODULES = {
    "wms": "pipeline.sources.wms",
    "stores": "pipeline.sources.store_api",
    "helpdesk": "pipeline.sources.helpdesk",
    "epcis": "pipeline.sources.epcis",
    "canonical": "pipeline.sources.canonical_jsonl",
    # Events Waypoint itself emits (actions, playbooks) are canonical JSON lines too.
    "waypoint": "pipeline.sources.canonical_jsonl",
    "ups": "pipeline.sources.carriers.ups",
    "fedex": "pipeline.sources.carriers.fedex",
    "usps": "pipeline.sources.carriers.usps",
    "dhl": "pipeline.sources.carriers.dhl",
    "easypost": "pipeline.sources.carriers.easypost",
    "lastmile": "pipeline.sources.carriers.lastmile",
}


class UnknownSourceError(KeyError):
    pass


def format_of(source: str) -> str:
    """The adapter format that reads `source`."""
    kind, _, name = source.partition(":")
    if kind == "carrier":
        for carrier in known_carriers():
            if carrier.carrier_id == name:
                return carrier.feed_format
        raise UnknownSourceError(f"unknown carrier {name!r} in source {source!r}")
    if kind not in ADAPTER_MODULES:
        raise UnknownSourceError(f"no adapter reads source {source!r}")
    return kind


@lru_cache(maxsize=64)
def adapter_for(source: str) -> SourceAdapter:
    module = importlib.import_module(ADAPTER_MODULES[format_of(source)])
    return module.adapter(source)
