"""The start-up warm-up really exercises the call path.

The warm-up's synthetic resources carry clinical codes inline; if a code list ever dropped one of
them, the warm-up would silently stop warming the mappers it exists for. These tests pin that
each synthetic resource maps to the feature it is meant to touch.
"""

from __future__ import annotations

import gc
from datetime import UTC, datetime
from pathlib import Path

from cds.engine import mapping_options
from cds.services import build_services
from cds.warmup import _PATIENT, GC_THRESHOLDS, _resources
from fhir_mappings import units
from fhir_mappings.extract import extract_features
from fhir_mappings.features import FeatureName
from fhir_mappings.measurements import conversion_targets
from tests.conftest import make_settings, running_app

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_each_synthetic_resource_maps_to_a_feature(tmp_path: Path) -> None:
    found = _resources(NOW)
    resources = [r for group in found.values() for r in group]
    fs = extract_features(
        resources,
        patient_id=_PATIENT,
        now=NOW,
        options=mapping_options(make_settings(tmp_path)),
        available=frozenset({"Condition", "Observation"}),
    )
    assert fs.skipped == []
    assert fs.features[FeatureName.CALF_PAIN].present  # SNOMED 300954003 and ICD-10-CM M79.662
    assert fs.features[FeatureName.HEART_RATE].present  # LOINC 8867-4
    assert fs.features[FeatureName.TEMPERATURE].present  # LOINC 8310-5
    assert [d.value_ng_ml for d in fs.ddimers] == [400]  # LOINC 48065-7 (FEU)


def test_every_service_gets_a_synthetic_request() -> None:
    from cds.warmup import _request

    for service in build_services().values():
        body = _request(service, NOW)
        assert body.hook == service.hook
        assert set(body.prefetch or {}) == {spec.key for spec in service.searches}


async def test_the_lifespan_plans_every_unit_conversion_before_the_first_call(
    tmp_path: Path,
) -> None:
    """A unit that needs pint (mg/dL -> mmol/L) must not build pint's registry (~0.5 s) in the
    first real call: the warm-up plans every known unit against every target."""
    units._plan.cache_clear()
    units._registry.cache_clear()
    async with running_app(make_settings(tmp_path)):
        assert units._registry.cache_info().currsize == 1
        planned = units._plan.cache_info().currsize
        assert planned >= len(units.UCUM_TO_PINT) * len(conversion_targets())
        converted = units.convert(2.0, "mg/dL", "mmol/L", analyte="magnesium")
        assert converted.value is not None and abs(converted.value - 0.823) < 0.001
        assert units._plan.cache_info().currsize == planned  # nothing new to plan


async def test_the_lifespan_freezes_what_lives_as_long_as_the_process(tmp_path: Path) -> None:
    """Code tables and value sets are moved out of the collector's reach once loaded; without it
    every full collection traverses them (a p99 outlier under load)."""
    gc.unfreeze()
    async with running_app(make_settings(tmp_path)):
        assert gc.get_freeze_count() > 100_000
    gc.unfreeze()


async def test_the_lifespan_widens_the_young_generation(tmp_path: Path) -> None:
    """A call's objects are freed by reference counting long before 10,000 allocations pass, so
    the collector does not traverse (and promote) the objects of calls still in flight."""
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        async with running_app(make_settings(tmp_path)):
            assert gc.get_threshold() == GC_THRESHOLDS
            assert GC_THRESHOLDS[0] >= 10_000
    finally:
        gc.set_threshold(*before)
