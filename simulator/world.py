"""The fixed facts of one simulated world (seed, volume): geography, facilities, operators, carriers,
expected demand, storms and the pick-queue model. Built once per process and shared by every hour."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import numpy as np

from db.master_data import CarrierDefinition, FacilityDefinition, carriers, facilities
from simulator.catalog import WorldCatalog, world_catalog
from simulator.clock import HOUR_US, US, ZoneCalendar, day_index, world_rng, zone_calendar
from simulator.parameters import WorldParameters, load_parameters

_OPERATOR_STAGE = 21
_STORM_STAGE = 22
EARTH_RADIUS_KM = 6371.0
AVERAGE_DAYS_PER_MONTH = 30.44


@dataclass(frozen=True)
class Operators:
    """A facility's people: persistent ids, speed factors (1 = standard time) and their shift."""

    ids: np.ndarray
    speed: np.ndarray
    shift: np.ndarray


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


@dataclass
class World:
    seed: int
    orders_per_month: int
    parameters: WorldParameters
    catalog: WorldCatalog
    facilities: tuple[FacilityDefinition, ...]
    carriers: tuple[CarrierDefinition, ...]
    _storm_cache: dict[int, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        p = self.parameters
        d = p.destinations
        self.dest_zip3 = np.array([x.zip3 for x in d])
        self.dest_city = np.array([x.city for x in d])
        self.dest_state = np.array([x.state for x in d])
        self.dest_zone = np.array([x.time_zone for x in d])
        self.dest_region = np.array([x.region for x in d])
        self.dest_lat = np.array([x.lat for x in d])
        self.dest_lon = np.array([x.lon for x in d])
        self.dest_weight = np.array([x.weight for x in d]) / sum(x.weight for x in d)
        self.zones = tuple(sorted(set(self.dest_zone)))
        self.regions = tuple(sorted(set(self.dest_region)))
        self.dest_region_index = np.array([self.regions.index(r) for r in self.dest_region])
        self.hub_index = np.flatnonzero([x.hub for x in d])

        self.facility_ids = np.array([f.facility_id for f in self.facilities])
        self.facility_zone = np.array([f.time_zone for f in self.facilities])
        home = [self._destination_of(f.postal_code) for f in self.facilities]
        self.facility_dest = np.array(home)
        self.facility_lat = self.dest_lat[self.facility_dest]
        self.facility_lon = self.dest_lon[self.facility_dest]
        self.dc_index = np.flatnonzero([f.kind == "dc" for f in self.facilities])
        self.store_index = np.flatnonzero([f.kind == "store" for f in self.facilities])
        self.distance_km = haversine_km(
            self.facility_lat[:, None],
            self.facility_lon[:, None],
            self.dest_lat[None, :],
            self.dest_lon[None, :],
        )
        dc_distance = self.distance_km[self.dc_index]
        self.nearest_dc = self.dc_index[np.argmin(dc_distance, axis=0)]
        self.other_dc = self.dc_index[np.argmax(dc_distance, axis=0)]
        self.nearest_store = self.store_index[np.argmin(self.distance_km[self.store_index], axis=0)]
        self.store_is_local = self.facility_dest[self.nearest_store] == np.arange(len(d))

        skus = self.catalog.skus
        self.sku_ids = skus["sku"].to_numpy()
        self.sku_cumulative = self.catalog.cumulative_popularity
        self.sku_price = skus["unit_price"].to_numpy()
        self.sku_weight = skus["weight_kg"].to_numpy()
        self.operators = self._operators()

    def _destination_of(self, postal_code: str) -> int:
        matches = np.flatnonzero(self.dest_zip3 == postal_code[:3])
        if len(matches) == 0:
            raise ValueError(
                f"destinations.json: no ZIP3 {postal_code[:3]} for facility postal code {postal_code}"
            )
        return int(matches[0])

    def _operators(self) -> dict[str, Operators]:
        rng = world_rng(self.seed, _OPERATOR_STAGE)
        sigma = self.parameters.fulfillment.operator_speed_sigma
        result: dict[str, Operators] = {}
        for facility_id, labor in self.parameters.fulfillment.dcs.items():
            short = facility_id.split("-")[1]
            shifts = list(labor.picker_shift_shares)
            shares = np.array(list(labor.picker_shift_shares.values()))
            for role, count, prefix in (("pick", labor.pickers, "P"), ("pack", labor.packers, "K")):
                cumulative = np.cumsum(shares) * count
                shift = np.searchsorted(cumulative, np.arange(count) + 0.5, side="right")
                result[f"{facility_id}:{role}"] = Operators(
                    ids=np.array([f"{short}-{prefix}{n + 1:03d}" for n in range(count)]),
                    speed=rng.lognormal(0.0, sigma, count),
                    shift=np.array([shifts[min(s, len(shifts) - 1)] for s in shift]),
                )
        store = self.parameters.fulfillment.store
        for f in self.facilities:
            if f.kind == "store":
                short = f.facility_id.replace("-", "")
                result[f"{f.facility_id}:pick"] = Operators(
                    ids=np.array([f"{short}-{n + 1:02d}" for n in range(store.associates)]),
                    speed=rng.lognormal(0.0, sigma, store.associates),
                    shift=np.array(["store"] * store.associates),
                )
        return result

    # Demand -----------------------------------------------------------------------------------------

    def hourly_weights(self, hour: int) -> np.ndarray:
        """Relative demand of each destination in `hour` (local hour of day, weekday, special days)."""
        return _hourly_weights(self.seed, self.orders_per_month, hour)

    def expected_orders(self, hour: int) -> float:
        return float(self.hourly_weights(hour).sum())

    # Storms -----------------------------------------------------------------------------------------

    def storm_regions(self, day: int) -> np.ndarray:
        """Boolean per weather region: a storm disrupts deliveries there on local day `day`."""
        if day not in self._storm_cache:
            rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([self.seed, _STORM_STAGE, day])))
            rate = self.parameters.imperfections.weather_storm_day_rate
            today = rng.random(len(self.regions)) < rate
            self._storm_cache[day] = today
        return self._storm_cache[day]

    def calendar(self, zone: str) -> ZoneCalendar:
        return zone_calendar(zone)


@lru_cache(maxsize=4)
def load_world(seed: int, orders_per_month: int) -> World:
    return World(
        seed=seed,
        orders_per_month=orders_per_month,
        parameters=load_parameters(),
        catalog=world_catalog(seed),
        facilities=facilities(),
        carriers=carriers(),
    )


@lru_cache(maxsize=8192)
def _hourly_weights(seed: int, orders_per_month: int, hour: int) -> np.ndarray:
    world = load_world(seed, orders_per_month)
    demand = world.parameters.demand
    instant = np.array([hour * HOUR_US + HOUR_US // 2])
    profile = np.array(demand.hour_of_day_profile) / np.mean(demand.hour_of_day_profile)
    weekday = np.array(demand.weekday_factors) / np.mean(demand.weekday_factors)
    special = {day_index(s.date): s.factor for s in demand.special_days}
    per_zone = {}
    for zone in world.zones:
        calendar = zone_calendar(zone)
        local_day = int(calendar.day(instant)[0])
        local_hour = int(calendar.wall_seconds(instant)[0] // 3600) % 24
        factor = profile[local_hour] * weekday[int(ZoneCalendar.weekday(np.array([local_day]))[0])]
        per_zone[zone] = factor * special.get(local_day, 1.0)
    months = (hour * HOUR_US / US / 86_400 - (demand.trend_reference_date - date(1970, 1, 1)).days) / 30.44
    base = orders_per_month / (AVERAGE_DAYS_PER_MONTH * 24) * (1 + demand.monthly_growth) ** months
    zone_factor = np.array([per_zone[z] for z in world.dest_zone])
    return base * world.dest_weight * zone_factor
