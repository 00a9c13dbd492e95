"""Hot-path shortcuts in the triage (issue 7) give the answers of the plain definitions.

- ``stable_id`` hashes by hand: it must equal ``uuid.uuid5`` (golden files and feedback rely on
  the ids);
- ``recent_present`` skips features the mapping did not produce and computes the horizon once:
  it must pick exactly what ``is_recent`` over ``FeatureSet.get`` picks (unknown is not negative,
  and an untimed finding counts as recent);
- the engine computes the DVT triggers once and hands them to the pathway and the PE gate: with
  and without them the rules must give the same status / flag.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from cards.builders import ID_NAMESPACE, stable_id
from cards.topics import Topic
from cds.triage import TriageOptions
from cds.triage.features_view import dvt_triggers, is_recent, leg_complaints, recent_present
from cds.triage.pathway import DvtPathwayRule
from cds.triage.red_flags import PulmonaryEmbolismGate
from fhir_mappings.features import Evidence, Feature, FeatureName, Laterality, Quantity, State
from tests.triage.builders import HOOK_INSTANCE, NOW, absent, calf_pain, fs, present, unknown


@pytest.mark.parametrize(
    "parts",
    [
        (Topic.DVT_LIKELY.value, 0),
        (Topic.DVT_DDIMER.value, 3, "suggestion", 1),
        ("order", "pathway", "ultrasound"),
        ("é|ü", 12345678901234567890),
        (),
    ],
)
@pytest.mark.parametrize("hook_instance", [HOOK_INSTANCE, "x", str(uuid.UUID(int=0))])
def test_stable_id_is_uuid5(hook_instance: str, parts: tuple[object, ...]) -> None:
    name = "|".join([hook_instance, *(str(part) for part in parts)])
    expected = str(uuid.uuid5(ID_NAMESPACE, name))
    assert stable_id(hook_instance, *parts) == expected
    assert uuid.UUID(stable_id(hook_instance, *parts)).version == 5


def _timed(name: str, *days_ago: float | None) -> Feature:
    evidence = tuple(
        Evidence(
            reference=f"Observation/{name}-{i}",
            time=None if days is None else NOW - timedelta(days=days),
        )
        for i, days in enumerate(days_ago)
    )
    return Feature(name=name, state=State.PRESENT, evidence=evidence)


def _naive(name: str, days_ago: float) -> Feature:
    moment = (NOW - timedelta(days=days_ago)).replace(tzinfo=None)
    return Feature(name, State.PRESENT, (Evidence(reference="Observation/n", time=moment),))


N = FeatureName
CASES: list[tuple[str, list[Feature], list[str]]] = [
    ("recent", [_timed(N.CALF_PAIN, 2)], [N.CALF_PAIN]),
    ("old", [_timed(N.CALF_PAIN, 40)], []),
    ("one recent of two", [_timed(N.CALF_PAIN, 40, 3)], [N.CALF_PAIN]),
    ("no time at all", [_timed(N.CALF_PAIN, None)], [N.CALF_PAIN]),
    ("untimed beside an old one", [_timed(N.CALF_PAIN, None, 40)], []),
    ("no evidence", [Feature(N.CALF_PAIN, State.PRESENT)], [N.CALF_PAIN]),
    ("absent", [absent(N.CALF_PAIN)], []),
    ("unknown", [unknown(N.CALF_PAIN)], []),
    ("not produced", [], []),
    ("naive recent", [_naive(N.CALF_PAIN, 1)], [N.CALF_PAIN]),
    ("naive old", [_naive(N.CALF_PAIN, 30)], []),
    ("order kept", [_timed(N.DYSPNOEA, 1), _timed(N.CALF_PAIN, 1)], [N.CALF_PAIN, N.DYSPNOEA]),
]


@pytest.mark.parametrize(("case", "features", "expected"), CASES, ids=[c[0] for c in CASES])
def test_recent_present_matches_is_recent(
    case: str, features: list[Feature], expected: list[str]
) -> None:
    del case
    record = fs(*features, all_documented=False)
    names = [N.CALF_PAIN, N.DYSPNOEA, N.SYNCOPE]
    reference = [record.get(name) for name in names if is_recent(record.get(name), record.now, 14)]
    found = recent_present(record, names, 14)
    assert [f.name for f in found] == expected
    assert found == reference


SWELLING = Feature(
    N.LEG_SWELLING,
    State.PRESENT,
    (Evidence(reference="Observation/s", time=NOW, laterality=Laterality.BILATERAL),),
    laterality=Laterality.BILATERAL,
)
# name -> (record, whether the PE gate fires), so both branches of the gate are compared.
RECORDS = {
    "calf pain": (fs(calf_pain()), False),
    "calf pain, breathless, HR 120": (
        fs(
            calf_pain(),
            present(N.DYSPNOEA),
            present(N.HEART_RATE, days_ago=0.01)._replace(quantity=Quantity(120, "/min")),
        ),
        True,
    ),
    "bilateral swelling only": (fs(SWELLING, present(N.CHEST_PAIN)), False),
    "known DVT, haemoptysis": (fs(present(N.CURRENT_DVT), present(N.HAEMOPTYSIS)), True),
    "cramp only": (fs(present(N.CRAMP)), False),
    "nothing": (fs(), False),
}


@pytest.mark.parametrize("name", list(RECORDS))
def test_shared_triggers_give_the_same_answers(name: str) -> None:
    record, fires = RECORDS[name]
    options = TriageOptions()
    triggers = dvt_triggers(record, options.episode_days)
    rule = DvtPathwayRule(options)
    assert rule.evaluate(record, triggers=triggers) == rule.evaluate(record)
    gate = PulmonaryEmbolismGate(options.episode_days)
    flag = gate.evaluate(record, triggers=triggers)
    assert flag == gate.evaluate(record)
    assert (flag is not None) == fires
    assert leg_complaints(record, options.episode_days, triggers) == leg_complaints(
        record, options.episode_days
    )
