"""The retailer's SKU catalog and inventory per facility: deterministic per seed, shared with the source
systems (the WMS SKU master and the store tool's inventory are rendered from it).

The catalog holds the TRUE values (kilograms, centimetres); the WMS renders them in the mixed units its
users typed in, with the unit-conversion errors real SKU masters have.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl

from db.master_data import facilities
from simulator.clock import world_rng
from simulator.parameters import CatalogParameters, load_parameters

SKU_SCHEMA = {
    "sku": pl.String(),
    "description": pl.String(),
    "category": pl.String(),
    "weight_kg": pl.Float64(),
    "length_cm": pl.Float64(),
    "width_cm": pl.Float64(),
    "height_cm": pl.Float64(),
    "unit_price": pl.Float64(),
    "popularity": pl.Float64(),
}
INVENTORY_SCHEMA = {"facility_id": pl.String(), "sku": pl.String(), "on_hand": pl.Int32()}
_CATALOG_STAGE = 11


@dataclass(frozen=True)
class WorldCatalog:
    """`skus`: one row per SKU (SKU_SCHEMA), most popular first; `popularity` is the share of order lines.
    `inventory`: on-hand units per facility (DCs carry the whole range, stores their assortment)."""

    seed: int
    skus: pl.DataFrame
    inventory: pl.DataFrame

    @property
    def cumulative_popularity(self) -> np.ndarray:
        return np.cumsum(self.skus["popularity"].to_numpy())


def build_catalog(seed: int, parameters: CatalogParameters | None = None) -> WorldCatalog:
    """Draw the catalog of world `seed`. Pure: the same seed gives the same frames."""
    parameters = parameters or load_parameters().catalog
    rng = world_rng(seed, _CATALOG_STAGE)
    count = parameters.sku_count
    shares = np.array([category.share for category in parameters.categories])
    category_index = rng.choice(len(shares), size=count, p=shares / shares.sum())
    ranks = np.arange(1, count + 1, dtype=np.float64)
    popularity = (ranks + parameters.zipf_rank_offset) ** (-parameters.zipf_exponent)
    popularity /= popularity.sum()

    descriptions, categories, weights, prices = [], [], np.empty(count), np.empty(count)
    adjectives = rng.integers(0, len(parameters.adjectives), count)
    colors = rng.integers(0, len(parameters.colors), count)
    noun_draws = rng.random(count)
    spread = rng.random(count)
    price_spread = rng.random(count)
    for i in range(count):
        category = parameters.categories[category_index[i]]
        noun = category.nouns[int(noun_draws[i] * len(category.nouns))]
        descriptions.append(f"{parameters.adjectives[adjectives[i]]} {noun} - {parameters.colors[colors[i]]}")
        categories.append(category.name)
        low, high = category.weight_kg
        weights[i] = low * (high / low) ** spread[i]
        price_low, price_high = category.price
        prices[i] = price_low * (price_high / price_low) ** price_spread[i]
    density = rng.uniform(0.12, 0.35, count)
    volume_cm3 = weights * 1000 / density
    aspect = rng.uniform(0.5, 1.0, (count, 2))
    length = np.cbrt(volume_cm3 / (aspect[:, 0] * aspect[:, 1]))
    sku_ids = [f"WP-{100_000 + 37 * i + int(rng.integers(0, 37)):06d}" for i in range(count)]
    skus = pl.DataFrame(
        {
            "sku": sku_ids,
            "description": descriptions,
            "category": categories,
            "weight_kg": np.round(weights, 3),
            "length_cm": np.round(length, 1),
            "width_cm": np.round(length * aspect[:, 0], 1),
            "height_cm": np.round(length * aspect[:, 1], 1),
            "unit_price": np.round(np.floor(prices) + 0.99, 2),
            "popularity": popularity,
        },
        schema=SKU_SCHEMA,
    )
    return WorldCatalog(seed=seed, skus=skus, inventory=_inventory(rng, skus, parameters))


def _inventory(rng: np.random.Generator, skus: pl.DataFrame, parameters: CatalogParameters) -> pl.DataFrame:
    popularity = skus["popularity"].to_numpy()
    frames = []
    for facility in facilities():
        if facility.kind == "dc":
            count = len(skus)
            scale = 400_000.0
        else:
            count = min(parameters.store_assortment, len(skus))
            scale = 9_000.0
        on_hand = np.maximum(rng.poisson(popularity[:count] * scale + 4), 0).astype(np.int32)
        frames.append(
            pl.DataFrame(
                {
                    "facility_id": [facility.facility_id] * count,
                    "sku": skus["sku"][:count],
                    "on_hand": on_hand,
                },
                schema=INVENTORY_SCHEMA,
            )
        )
    return pl.concat(frames)


@lru_cache(maxsize=4)
def world_catalog(seed: int) -> WorldCatalog:
    """The catalog of world `seed`, built once per process."""
    return build_catalog(seed)
