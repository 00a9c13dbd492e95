"""Which rules run for which hook, and so which features each hook needs (for prefetch).

Prefetch templates are derived from the rules' ``requires`` declarations, so the data the EHR is
asked for cannot drift from what the logic reads (STYLE.md "Rules as small pure objects").
Besides features, the rules read FeatureSet fields that are not features: ``required_data``
names them (D-dimer results, electrolyte labs, alternative diagnoses, draft orders, age).
"""

from __future__ import annotations

from typing import Final

from cds.triage.features_view import LEG_TRIGGERS
from cds.triage.msk import CrampRule, MskRule
from cds.triage.options import Hook, TriageOptions
from cds.triage.pathway import DvtPathwayRule
from cds.triage.red_flags import CaudaEquinaGate, CompartmentSyndromeGate, PulmonaryEmbolismGate

_DEFAULTS: Final = TriageOptions()
_GATES: Final = (
    PulmonaryEmbolismGate(_DEFAULTS.episode_days).requires
    | CaudaEquinaGate(_DEFAULTS.episode_days).requires
    | CompartmentSyndromeGate(_DEFAULTS.episode_days).requires
)
_PATHWAY: Final = DvtPathwayRule(_DEFAULTS).requires
_MSK: Final = (
    MskRule(_DEFAULTS.episode_days).requires
    | CrampRule(_DEFAULTS.episode_days, _DEFAULTS.lab_recent_days).requires
)
_BY_HOOK: Final[dict[str, frozenset[str]]] = {
    "patient-view": frozenset(LEG_TRIGGERS) | _GATES | _PATHWAY | _MSK,
    # Order prompts need the pathway status (is DVT excluded?) and the gates.
    "order-select": frozenset(LEG_TRIGGERS) | _GATES | _PATHWAY,
    "order-sign": frozenset(LEG_TRIGGERS) | _GATES | _PATHWAY,
}
_DATA: Final[dict[str, frozenset[str]]] = {
    "patient-view": frozenset(
        {"age", "ddimers", "anticoagulation_started", "episode_start", "alternatives", "labs"}
    ),
    "order-select": frozenset(
        {
            "age",
            "ddimers",
            "anticoagulation_started",
            "episode_start",
            "alternatives",
            "draft_orders",
        }
    ),
    "order-sign": frozenset(
        {
            "age",
            "ddimers",
            "anticoagulation_started",
            "episode_start",
            "alternatives",
            "draft_orders",
        }
    ),
}


def required_features(hook: Hook) -> frozenset[str]:
    """Union of the ``requires`` of every rule that runs for ``hook`` (FeatureName values)."""
    return frozenset(str(name) for name in _BY_HOOK[hook])


def required_data(hook: Hook) -> frozenset[str]:
    """FeatureSet fields (not features) the rules for ``hook`` read."""
    return _DATA[hook]
