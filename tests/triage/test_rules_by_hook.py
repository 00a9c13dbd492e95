"""The per-hook rule lists drive both the engine and discovery; each rule declares what it reads.

- A rule added to a (temporary) list changes the prefetch that discovery advertises for that hook
  and its cards reach the response through the engine: the list is the one place a rule is wired.
- What a rule declares in ``reads`` is what it reads: every fixture is triaged rule by rule on a
  FeatureSet that records each feature name and field the rule touches.
- Red flags come first in every hook's list, and every topic is declared by exactly one rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from cards.models import Card
from cards.topics import Topic
from cds import triage
from cds.engine import CallSummary, Engine
from cds.hooks import HOOKS, HookName, PatientViewRequest
from cds.services import build_services, service_id_for
from cds.triage.context import Context
from cds.triage.rule import Rule
from fhir_mappings.catalog import SUPPLEMENT_PREFIX
from fhir_mappings.codelists import builtin_entries
from fhir_mappings.codes import ATC, ICD10CM, RXNORM
from fhir_mappings.features import FeatureName, FeatureSet
from tests.clinical.chart import settings
from tests.conftest import make_settings
from tests.service.builders import condition, patient, request
from tests.triage.fixture_features import CASES, map_fixture

PROBE = Topic("probe", "A rule that exists only in this test")
# FeatureSet fields every rule may read without declaring them: they need no FHIR search.
FREE_FIELDS = frozenset({"now", "patient_ref", "features", "legs", "get"})
DATA_FIELDS = frozenset(f.name for f in fields(FeatureSet)) - FREE_FIELDS


def _probe_cards(ctx: Context) -> Iterable[Card | None]:
    if not ctx.fs.get(FeatureName.ANTICOAGULANT).present and not ctx.fs.get("calf_pain").present:
        return []
    return [ctx.card(topic=PROBE, indicator="info", summary="probe", detail="probe")]


PROBE_RULE = Rule(
    name="probe",
    kind="guidance",
    topics=(PROBE,),
    reads=frozenset({FeatureName.ANTICOAGULANT, FeatureName.CALF_PAIN}),
    cards=_probe_cards,
)


def _resource_types(prefetch: dict[str, str]) -> set[str]:
    return {template.split("?")[0].split("/")[0] for template in prefetch.values()}


def _observation_codes(prefetch: dict[str, str]) -> set[str]:
    return {
        code
        for template in prefetch.values()
        if template.startswith("Observation?")
        for code in dict(parse_qsl(template.partition("?")[2]))["code"].split(",")
    }


def _value_set_codes(*list_names: str) -> set[str]:
    """The Observation-searchable codes of these lists' own value sets (diagnosis and drug code
    systems are matched in Conditions and medications)."""
    return {
        f"{e.system}|{e.code}"
        for e in builtin_entries()
        if e.list_name in list_names
        and e.value_set.startswith(SUPPLEMENT_PREFIX)
        and e.system not in {ICD10CM, ATC, RXNORM}
    }


def test_a_rule_added_to_a_hook_changes_that_hooks_prefetch_only() -> None:
    pulse = Rule(
        name="pulse",
        kind="red-flag",
        topics=(),
        reads=frozenset({FeatureName.HEART_RATE}),
        cards=lambda ctx: [],
    )
    one_rule = dict.fromkeys(HOOKS, (pulse,))
    before = build_services(one_rule)
    after = build_services({**one_rule, "order-sign": (pulse, PROBE_RULE)})
    sign = service_id_for("order-sign")
    # A heart rate is read from Observations only; the probe's anticoagulant adds the
    # MedicationRequest search (fhir_mappings.sources).
    assert _resource_types(before[sign].prefetch) == {"Patient", "Observation"}
    assert "MedicationRequest" in _resource_types(after[sign].prefetch)
    # The Observation codes are those of the features read: the heart rate's, then the calf
    # pain's and the anticoagulant's (a recorded "on anticoagulant therapy" situation) too.
    heart_rate = _value_set_codes(FeatureName.HEART_RATE)
    probe = _value_set_codes(FeatureName.CALF_PAIN, FeatureName.ANTICOAGULANT)
    assert heart_rate and _value_set_codes(FeatureName.CALF_PAIN)
    assert _observation_codes(before[sign].prefetch) == heart_rate
    assert _observation_codes(after[sign].prefetch) == heart_rate | probe
    assert after[sign].rules == (pulse, PROBE_RULE)
    for hook in ("patient-view", "order-select"):
        service_id = service_id_for(hook)
        assert after[service_id].prefetch == before[service_id].prefetch


async def test_the_engine_runs_the_rules_of_the_service(tmp_path: Path) -> None:
    services = build_services({**triage.RULES_BY_HOOK, "patient-view": (PROBE_RULE,)})
    service = services[service_id_for("patient-view")]
    prefetch: dict[str, Any] = {}
    for spec in service.searches:
        entries = [{"resource": condition("c1")}] if spec.resource_type == "Condition" else []
        prefetch[spec.key] = (
            patient()
            if spec.resource_type == "Patient"
            else {"resourceType": "Bundle", "type": "searchset", "entry": entries}
        )
    body = PatientViewRequest.model_validate(request(prefetch=prefetch, fhir=False))
    now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)  # two days after the condition's onset
    engine = Engine(make_settings(tmp_path), fhir=None, store=None, clock=lambda: now)
    response = (await engine.handle(service, body, None, CallSummary())).response
    assert [triage.card_topic(card) for card in response.cards] == [PROBE.code]


class _Recorder(dict[str, Any]):
    """A dict that notes every key looked up."""

    def __init__(self, data: dict[str, Any], seen: set[str]) -> None:
        super().__init__(data)
        self.seen = seen

    def get(self, key: str, default: Any = None) -> Any:
        self.seen.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.seen.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.seen.add(str(key))
        return super().__contains__(key)


class _RecordingFeatureSet(FeatureSet):
    """A FeatureSet that notes every field and feature name read from it."""

    def __getattribute__(self, name: str) -> Any:
        if not name.startswith("_") and name != "seen":
            object.__getattribute__(self, "seen").add(name)
        return object.__getattribute__(self, name)


def _recording(fs: FeatureSet) -> tuple[FeatureSet, set[str]]:
    seen: set[str] = set()
    values = {f.name: getattr(fs, f.name) for f in fields(FeatureSet)}
    values["features"] = _Recorder(fs.features, seen)
    values["legs"] = _Recorder(fs.legs, seen)
    spy = _RecordingFeatureSet(**values)
    spy.seen = seen  # type: ignore[attr-defined]
    return spy, seen


ALL_RULES = {rule.name: rule for rules in triage.RULES_BY_HOOK.values() for rule in rules}


@pytest.mark.parametrize("name", sorted(ALL_RULES))
def test_each_rule_reads_only_what_it_declares(name: str) -> None:
    rule = ALL_RULES[name]
    features = {str(f) for f in FeatureName}
    assert rule.reads <= features | DATA_FIELDS, rule.reads - features - DATA_FIELDS
    read: set[str] = set()
    for path in CASES:
        _, mapped = map_fixture(path)
        hooks: tuple[HookName, ...] = ("order-sign",) if rule.kind == "order-check" else HOOKS
        for hook in hooks:
            spy, seen = _recording(mapped)
            triage.evaluate(spy, hook=hook, settings=settings(), hook_instance="h", rules=[rule])
            read |= seen
    undeclared = (read - FREE_FIELDS) - rule.reads
    assert not undeclared, f"{name} reads {sorted(undeclared)} without declaring them"


@pytest.mark.parametrize("hook", HOOKS)
def test_red_flags_come_first_in_every_hook(hook: HookName) -> None:
    kinds = [rule.kind for rule in triage.RULES_BY_HOOK[hook]]
    flags = kinds.count("red-flag")
    assert flags and kinds[:flags] == ["red-flag"] * flags


def test_every_topic_belongs_to_one_rule() -> None:
    owners: dict[str, set[str]] = {}
    for rule in ALL_RULES.values():
        for topic in rule.topics:
            owners.setdefault(topic.code, set()).add(rule.name)
    assert all(len(names) == 1 for names in owners.values()), owners
    assert [t.code for t in triage.topics()] == list(owners)


def test_discovery_serves_the_rules_of_each_hook() -> None:
    services = build_services()
    for hook in HOOKS:
        assert services[service_id_for(hook)].rules == triage.RULES_BY_HOOK[hook]
