"""What every rule reads for one hook call: the features, the settings, the hook and its instance.

Findings that several rules need (the current leg complaints, where the patient stands on the
NG158 DVT pathway) are worked out once per call, on first use, and live only as long as the call.
The context also builds cards and draft orders with ids that are stable for this hook instance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Final

from cards.builders import build_card, stable_id
from cards.fhir_orders import service_request
from cards.models import Card, Indicator, Link, OverrideReason, Suggestion
from cards.topics import Topic
from cds.hooks import HookName
from cds.settings import Settings
from cds.triage.features_view import dvt_triggers, leg_complaints
from cds.triage.order_codes import ORDER_CODES, OrderKind
from cds.triage.pathway import DvtStatus, assess_dvt
from fhir_mappings.features import Feature, FeatureSet

SOURCE_LABEL: Final = "Calf pain triage (NICE NG158, Wells)"


@dataclass(frozen=True)
class Context:
    fs: FeatureSet
    settings: Settings
    hook: HookName
    hook_instance: str

    @cached_property
    def dvt_triggers(self) -> list[Feature]:
        """Current leg findings that make DVT a possibility."""
        return dvt_triggers(self.fs, self.settings.episode_days)

    @cached_property
    def leg_complaints(self) -> list[Feature]:
        """Any current leg complaint (the DVT triggers first)."""
        return leg_complaints(self.fs, self.settings.episode_days, self.dvt_triggers)

    @cached_property
    def dvt(self) -> DvtStatus:
        """Where the patient stands on the NICE NG158 DVT pathway."""
        return assess_dvt(self.fs, self.settings, self.dvt_triggers)

    def card(
        self,
        *,
        topic: Topic,
        indicator: Indicator,
        summary: str,
        detail: str,
        index: int = 0,
        suggestions: Sequence[Suggestion] = (),
        selection_behavior: str = "at-most-one",
        override_reasons: Sequence[OverrideReason] = (),
        links: Sequence[Link] = (),
    ) -> Card:
        return build_card(
            hook_instance=self.hook_instance,
            topic=topic,
            indicator=indicator,
            summary=summary,
            detail=detail,
            source_label=topic.basis or SOURCE_LABEL,
            source_url=self.settings.source_url,
            index=index,
            suggestions=suggestions,
            selection_behavior=selection_behavior,
            override_reasons=override_reasons,
            links=links,
        )

    def order(
        self,
        kind: OrderKind,
        reasons: Sequence[str],
        *,
        role: str,
        priority: str = "routine",
        laterality: str | None = None,
        note: str | None = None,
        reason_text: str | None = None,
    ) -> dict[str, Any]:
        """A draft ServiceRequest with an id stable for this hook instance and role."""
        return service_request(
            ORDER_CODES[kind],
            resource_id=stable_id(self.hook_instance, "order", role, kind.value),
            patient_ref=self.fs.patient_ref,
            reasons=reasons,
            authored_on=self.fs.now.isoformat(),
            priority=priority,
            laterality=laterality,
            note=note,
            reason_text=reason_text,
        )
