"""The rules each hook runs, in the order their cards are shown.

This list is read by both the engine (``cds.triage.evaluate``) and discovery (each service's
prefetch is derived from the ``reads`` of exactly the rules its hook runs). Red flags come first,
whatever any score says (docs/clinical-basis.md §1.10); then the DVT pathway; musculoskeletal
guidance only when DVT is settled and no red flag fired. Order entry gets the red flags and the
order checks: the chart view already carried the pathway card.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from cards.topics import Topic
from cds.hooks import HookName
from cds.triage.rule import Rule
from cds.triage.rules import (
    cauda_equina,
    compartment_syndrome,
    cramp,
    dvt_outside_pathway,
    dvt_pathway,
    dvt_unlikely_lab_flag,
    fever_red_flag,
    muscle_strain,
    order_checks,
    physio_referral,
    pulmonary_embolism,
    sciatica,
    statin_myopathy,
)

RED_FLAGS: Final = (
    pulmonary_embolism.RULE,
    cauda_equina.RULE,
    compartment_syndrome.RULE,
    fever_red_flag.RULE,
)

RULES_BY_HOOK: Final[Mapping[HookName, tuple[Rule, ...]]] = {
    "patient-view": (
        *RED_FLAGS,
        dvt_pathway.RULE,
        dvt_outside_pathway.RULE,
        dvt_unlikely_lab_flag.RULE,
        statin_myopathy.RULE,
        muscle_strain.RULE,
        cramp.RULE,
        sciatica.RULE,
        physio_referral.RULE,
    ),
    "order-select": (*RED_FLAGS, order_checks.RULE),
    "order-sign": (*RED_FLAGS, order_checks.RULE),
}


def reads(rules: Iterable[Rule]) -> frozenset[str]:
    """Everything these rules read: feature names and FeatureSet fields."""
    return frozenset().union(*(rule.reads for rule in rules))


def topics(rules_by_hook: Mapping[HookName, tuple[Rule, ...]] = RULES_BY_HOOK) -> list[Topic]:
    """Every topic the rules may show, once each, in rule order."""
    found: dict[str, Topic] = {}
    for rules in rules_by_hook.values():
        for rule in rules:
            for topic in rule.topics:
                found.setdefault(topic.code, topic)
    return list(found.values())
