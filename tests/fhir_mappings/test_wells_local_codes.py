"""Wells examination items without a verified standard code use our local code system.

Pitting oedema (SNOMED 284521000 "confirm") and collateral superficial veins (no concept) would
otherwise never be documented, so every Wells score would be a range (docs/fhir-conventions.md).
"""

from __future__ import annotations

import pytest

from fhir_mappings.codelists import builtin_entries, load_index
from fhir_mappings.features import FeatureName as F
from fhir_mappings.features import Laterality, State

from .builders import LEFT, LOCAL, RIGHT, SCT, observation, run, site


@pytest.mark.parametrize(
    ("code", "feature"),
    [
        ("pitting-oedema", F.PITTING_OEDEMA),
        ("collateral-superficial-veins", F.COLLATERAL_VEINS),
    ],
)
@pytest.mark.parametrize(("value", "state"), [(True, State.PRESENT), (False, State.ABSENT)])
def test_local_wells_item_is_documented_per_leg(
    code: str, feature: str, value: bool, state: State
) -> None:
    fs = run([observation(LOCAL, code, body_site=site("30021000", LEFT), valueBoolean=value)])
    assert fs.get(feature).state is state
    assert fs.legs[feature][Laterality.LEFT].state is state
    assert Laterality.RIGHT not in fs.legs[feature]


@pytest.mark.parametrize(
    ("code", "list_name"),
    [
        ("pitting-oedema", "pitting_oedema"),
        ("collateral-superficial-veins", "collateral_superficial_veins"),
        ("calf-circumference", "calf_circumference"),
    ],
)
def test_local_codes_are_shipped_verified_with_source_local(code: str, list_name: str) -> None:
    rows = [e for e in builtin_entries() if e.system == LOCAL and e.code == code]
    assert [(e.list_name, e.source, e.verified) for e in rows] == [(list_name, "LOCAL", True)]
    assert load_index().match(LOCAL, code)


@pytest.mark.parametrize("code", ["284521000", "420829009", "421605005", "421346005"])
def test_unconfirmed_snomed_pitting_codes_stay_unverified(code: str) -> None:
    rows = [e for e in builtin_entries() if e.system == SCT and e.code == code]
    assert rows and not any(e.verified for e in rows)
    assert run([observation(SCT, code, valueBoolean=True)]).get(F.PITTING_OEDEMA).unknown


def test_every_wells_examination_item_documented_gives_no_unknown() -> None:
    """A chart that records every item, positive or negative, leaves nothing to range over."""
    calf = site("30021000", RIGHT)
    fs = run(
        [
            observation(SCT, "247348008", rid="t", body_site=calf, valueBoolean=False),
            observation(
                SCT, "449614009", rid="e", body_site=site("61685007", RIGHT), valueBoolean=False
            ),
            observation(LOCAL, "pitting-oedema", rid="p", body_site=calf, valueBoolean=False),
            observation(
                LOCAL, "collateral-superficial-veins", rid="c", body_site=calf, valueBoolean=True
            ),
            observation(
                LOCAL,
                "calf-circumference-difference",
                rid="d",
                body_site=calf,
                valueQuantity={
                    "value": 1.0,
                    "unit": "cm",
                    "system": "http://unitsofmeasure.org",
                    "code": "cm",
                },
            ),
        ]
    )
    items = (
        F.DEEP_VEIN_TENDERNESS,
        F.ENTIRE_LEG_SWOLLEN,
        F.PITTING_OEDEMA,
        F.COLLATERAL_VEINS,
        F.CALF_DIFFERENCE,
    )
    assert {name: fs.get(name).unknown for name in items} == dict.fromkeys(items, False)
    assert fs.get(F.COLLATERAL_VEINS).present and fs.get(F.PITTING_OEDEMA).state is State.ABSENT
