"""What every card composer needs: the features, the options, the hook and its instance id.

Rules stay pure (features in, findings out); composers turn findings into cards through this
small context, which also mints deterministic ids for the resources our suggestions create.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from cards.builders import stable_id
from cards.fhir_orders import OrderKind, service_request
from cds.triage.options import Hook, TriageOptions
from fhir_mappings.features import FeatureSet

T_co = TypeVar("T_co", covariant=True)


class Rule(Protocol[T_co]):
    """A triage rule: declares the features it reads and evaluates them purely."""

    @property
    def requires(self) -> frozenset[str]: ...

    def evaluate(self, fs: FeatureSet) -> T_co: ...


@dataclass(frozen=True)
class Context:
    fs: FeatureSet
    options: TriageOptions
    hook: Hook
    hook_instance: str

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
            kind,
            resource_id=stable_id(self.hook_instance, "order", role, kind.value),
            patient_ref=self.fs.patient_ref,
            reasons=reasons,
            authored_on=self.fs.now.isoformat(),
            priority=priority,
            laterality=laterality,
            note=note,
            reason_text=reason_text,
        )
