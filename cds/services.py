"""The services we offer (one per hook) and their discovery entries.

Prefetch templates are derived, never hand-kept: each service carries the rules its hook runs
(``cds.triage.RULES_BY_HOOK``), the union of what those rules read gives the FHIR searches
(``fhir_mappings.sources.search_specs_for``: the Observation codes of exactly the features read),
and the engine runs exactly those rules. Hooks whose rules differ advertise different searches
(order entry runs no cramp guidance, so asks for no electrolyte or CK results). Discovery, the
prefetch check and the fallback fetch all use the service's one ``SearchSpec`` list, so what we
advertise cannot drift from what we read (the CDS Hooks sandbox's hand-written service list is the
counter-example).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cds import triage
from cds.errors import NotFound
from cds.hooks import HOOKS, CdsServiceDescriptor, HookName
from cds.queries import shape_searches
from fhir_mappings.sources import SearchSpec, search_specs_for

SERVICE_PREFIX = "calf-pain"

_TITLES: dict[HookName, str] = {
    "patient-view": "Calf pain triage (chart open)",
    "order-select": "Calf pain triage (order entry)",
    "order-sign": "Calf pain triage (order signing)",
}

_DESCRIPTIONS: dict[HookName, str] = {
    "patient-view": (
        "For a patient with calf pain: Wells DVT score and D-dimer pathway (NICE NG158), red "
        "flags for pulmonary embolism, cauda equina and compartment syndrome, and guidance for "
        "muscle strain, cramp and sciatica. Says what was not documented."
    ),
    "order-select": (
        "While orders are chosen for a patient with calf pain: checks the selected orders "
        "(physiotherapy, massage, compression, NSAIDs, D-dimer, ultrasound) against the DVT "
        "pathway (NICE NG158) and red flags."
    ),
    "order-sign": (
        "Before orders are signed for a patient with calf pain: checks the draft orders against "
        "the DVT pathway (NICE NG158) and red flags."
    ),
}


@dataclass(frozen=True, slots=True)
class CdsService:
    """One service: its id, hook, the rules it runs and the FHIR searches (prefetch templates)
    those rules need."""

    id: str
    hook: HookName
    title: str
    description: str
    rules: tuple[triage.Rule, ...]
    searches: tuple[SearchSpec, ...]

    @property
    def prefetch(self) -> dict[str, str]:
        return {spec.key: spec.template for spec in self.searches}

    def descriptor(self) -> CdsServiceDescriptor:
        return CdsServiceDescriptor(
            hook=self.hook,
            title=self.title,
            description=self.description,
            id=self.id,
            prefetch=self.prefetch,
        )


def service_id_for(hook: HookName) -> str:
    return f"{SERVICE_PREFIX}-{hook}"


def build_services(
    rules_by_hook: Mapping[HookName, tuple[triage.Rule, ...]] = triage.RULES_BY_HOOK,
    *,
    local_codes_file: Path | None = None,
) -> dict[str, CdsService]:
    """Every service by id, built from the rules each hook runs (called once per app);
    ``local_codes_file`` is the site's own codes (``CDS_LOCAL_CODES_FILE``), searched too."""
    services: dict[str, CdsService] = {}
    for hook in HOOKS:
        rules = rules_by_hook[hook]
        specs = shape_searches(
            search_specs_for(triage.reads(rules), local_codes_file=local_codes_file)
        )
        service = CdsService(
            id=service_id_for(hook),
            hook=hook,
            title=_TITLES[hook],
            description=_DESCRIPTIONS[hook],
            rules=rules,
            searches=specs,
        )
        services[service.id] = service
    return services


def get_service(services: Mapping[str, CdsService], service_id: str) -> CdsService:
    service = services.get(service_id)
    if service is None:
        raise NotFound(f"no CDS service with id '{service_id[:100]}'")
    return service
