"""extract_features: raw FHIR JSON in, a FeatureSet out, never an exception.

Flow: flatten Bundles -> reject junk and other patients' resources -> select candidates by
resourceType and code on the raw JSON (compiled code index) -> validate only those with R4B ->
map to findings / measurements -> decide features (aggregate.py). Anything unusable lands in
``FeatureSet.skipped`` with its reason; no patient data is logged.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, cast

from fhir_mappings.assemble import assemble
from fhir_mappings.catalog import (
    CALF_LISTS,
    DDIMER_LISTS,
    LAB_LISTS,
    MEDICATION_LISTS,
    PROCEDURE_LISTS,
    VITAL_LISTS,
)
from fhir_mappings.codelists import CodeEntry, load_index
from fhir_mappings.codes import CONDITION_CLINICAL, CONDITION_VERIFICATION
from fhir_mappings.collect import Collector, Unread
from fhir_mappings.features import FeatureSet
from fhir_mappings.findings import condition_findings, observation_findings
from fhir_mappings.measurements import numeric_observation
from fhir_mappings.options import MappingOptions as MappingOptions  # callers import it here
from fhir_mappings.orders import draft_orders as map_draft_orders
from fhir_mappings.read_models import VITAL_SIGN_VIEW, Condition, Observation
from fhir_mappings.records import (
    MEDICATION_TYPES,
    medication_findings,
    procedure_findings,
    settle,
)
from fhir_mappings.resources import InvalidResource, validate
from fhir_mappings.semantics import (
    IGNORED_VERIFICATION,
    PAST_CLINICAL,
    code_pairs,
    codings_of,
    concept_text,
    first_code,
    observation_ignored,
    reference_of,
    to_datetime,
)
from fhir_mappings.timing import future_dated, own_time

NUMERIC_LISTS = frozenset({*VITAL_LISTS, *LAB_LISTS, *DDIMER_LISTS, *CALF_LISTS})
_MEDICATION_TYPES = frozenset(MEDICATION_TYPES)
_MAPPED_TYPES = frozenset({"Condition", "Observation", "Procedure", *_MEDICATION_TYPES})
_MAX_BUNDLE_DEPTH = 3


def _flatten(items: Any, depth: int = 0) -> Iterator[Any]:
    if isinstance(items, Mapping):
        items = [items]
    if isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
        yield items
        return
    for item in items:
        if isinstance(item, Mapping) and item.get("resourceType") == "Bundle":
            entries = item.get("entry")
            if depth < _MAX_BUNDLE_DEPTH and isinstance(entries, list):
                resources = [e.get("resource") for e in entries if isinstance(e, Mapping)]
                yield from _flatten(resources, depth + 1)
            continue
        yield item


def _matches(col: Collector, pairs: list[tuple[str, str]]) -> tuple[CodeEntry, ...]:
    found: list[CodeEntry] = []
    for system, code in pairs:
        found.extend(col.index.match(system, code))
        found.extend(col.extra_codes.get((system, code), ()))
    return tuple(found)


def _code_entries(col: Collector, concept: Any) -> tuple[CodeEntry, ...]:
    """Entries matching a raw CodeableConcept."""
    return _matches(col, code_pairs(concept))


def _vital_signs_only(entries: tuple[CodeEntry, ...]) -> bool:
    return all(e.list_name in VITAL_LISTS for e in entries)


def drug_concept(col: Collector, raw: Mapping[str, Any]) -> Any:
    """The drug of a medication record (``MEDICATION_TYPES``): its ``medicationCodeableConcept``,
    else the ``code`` of the Medication it references (contained "#id", or one sent alongside)."""
    concept = raw.get("medicationCodeableConcept")
    if concept is not None:
        return concept
    reference = raw.get("medicationReference")
    target = reference.get("reference") if isinstance(reference, Mapping) else None
    if not isinstance(target, str):
        return None
    if target.startswith("#"):
        contained = raw.get("contained")
        for item in contained if isinstance(contained, list) else ():
            if isinstance(item, Mapping) and item.get("id") == target[1:]:
                return item.get("code") if item.get("resourceType") == "Medication" else None
        return None
    medication = col.medications.get(reference_of(reference) or "")
    return medication.get("code") if medication is not None else None


def _record_candidates(
    col: Collector, resource_type: str, raw: Mapping[str, Any]
) -> tuple[CodeEntry, ...]:
    """Entries for a Procedure or a medication (a Condition's or an Observation's are its
    code's: ``_code_entries``)."""
    if resource_type == "Procedure":
        category = raw.get("category")
        cats = category if isinstance(category, list) else [category]
        pairs = [p for c in cats for p in code_pairs(c)] + code_pairs(raw.get("code"))
        return tuple(e for e in _matches(col, pairs) if e.list_name in PROCEDURE_LISTS)
    if resource_type in _MEDICATION_TYPES:
        entries = _matches(col, code_pairs(drug_concept(col, raw)))
        return tuple(e for e in entries if e.list_name in MEDICATION_LISTS)
    return ()


# Records that say nothing, whatever their code: not "unread", just not there.
_VOID_STATUSES = frozenset({"entered-in-error", "not-done", "cancelled"})


def _note_unread(col: Collector, resource_type: str, raw: Mapping[str, Any], ref: str) -> None:
    """A record coded in no system the lists hold is noted as unread: ``record_based`` must not
    call what it could be "not found"."""
    concept = drug_concept(col, raw) if resource_type in _MEDICATION_TYPES else raw.get("code")
    if any(system in col.index.systems for system, _ in code_pairs(concept)):
        return  # read, and matched no list: truly not found
    if raw.get("status") in _VOID_STATUSES or (
        first_code(raw.get("verificationStatus"), CONDITION_VERIFICATION) in IGNORED_VERIFICATION
    ):
        return
    clinical = first_code(raw.get("clinicalStatus"), CONDITION_CLINICAL)
    col.unread.append(
        Unread(
            resource_type,
            ref,
            own_time(resource_type, raw),
            concept_text(concept)[:80] or "no code or text",
            clinical not in PAST_CLINICAL,
        )
    )


def _map_one(col: Collector, raw: Any, position: int) -> None:
    if not isinstance(raw, Mapping):
        col.skip(f"#{position}", "not a JSON object")
        return
    resource_type = raw.get("resourceType")
    if not isinstance(resource_type, str) or not resource_type:
        col.skip(f"#{position}", "no resourceType")
        return
    rid = raw.get("id")
    ref = (
        f"{resource_type}/{rid}" if isinstance(rid, str) and rid else f"{resource_type}/#{position}"
    )
    if resource_type == "Patient":
        if rid != col.patient_id:
            col.skip(ref, "other patient")
            return
        try:
            resource = validate(raw)
        except InvalidResource as exc:
            col.skip(ref, str(exc))
            return
        birth_date = resource.get("birthDate")
        birth = to_datetime(birth_date)
        if birth is not None and len(str(birth_date)) >= 10:
            col.birth_date = birth.date()
        elif isinstance(birth_date, date):
            col.birth_date = birth_date
        col.sex = resource.get("gender")
        return
    if resource_type not in _MAPPED_TYPES:
        return  # not read by any feature
    owner = reference_of(raw.get("subject")) or reference_of(raw.get("patient"))
    if owner is None:
        col.skip(ref, "no subject reference")
        return
    if owner != col.patient_ref:
        col.skip(ref, "other patient")
        return
    col.counts[resource_type] += 1
    if resource_type == "Observation" or resource_type == "Condition":
        entries = _code_entries(col, raw.get("code"))
    else:
        entries = _record_candidates(col, resource_type, raw)
    if not entries:
        if resource_type != "Observation":
            _note_unread(col, resource_type, raw, ref)
        return
    view = None
    if resource_type == "Observation" and _vital_signs_only(entries):
        view = VITAL_SIGN_VIEW  # read as a vital sign only: validate what that reads
    try:
        resource = validate(raw, view)
    except InvalidResource as exc:
        col.skip(ref, str(exc))
        return
    future = future_dated(resource_type, resource, col.now, col.options.clock_skew_seconds)
    if future is not None:
        col.skip(ref, future)
        return
    if resource_type == "Condition":
        condition_findings(col, ref, cast(Condition, resource), entries)
    elif resource_type == "Procedure":
        procedure_findings(col, ref, resource, entries)
    elif resource_type in _MEDICATION_TYPES:
        drug = codings_of(drug_concept(col, raw))
        medication_findings(col, ref, resource_type, resource, entries, drug)
    else:
        _observation(col, ref, cast(Observation, resource), entries)


def _observation(
    col: Collector, ref: str, resource: Observation, entries: tuple[CodeEntry, ...]
) -> None:
    ignored = observation_ignored(resource.get("status"))
    if ignored:
        col.skip(ref, ignored)
        return
    note = "preliminary" if resource.get("status") == "preliminary" else None
    numeric = {e.list_name: e for e in entries if e.list_name in NUMERIC_LISTS}
    for entry in numeric.values():
        numeric_observation(col, ref, resource, entry, note)
    findings = tuple(e for e in entries if e.list_name not in NUMERIC_LISTS)
    if findings:
        observation_findings(col, ref, resource, findings, note)


def extract_features(
    resources: Iterable[Mapping[str, Any]],
    *,
    patient_id: str,
    now: datetime,
    options: MappingOptions,
    available: Iterable[str] = (),
    draft_orders: Sequence[Mapping[str, Any]] = (),
    selections: Sequence[str] | None = None,
    extra_codes: Mapping[tuple[str, str], tuple[CodeEntry, ...]] | None = None,
    terminology_note: str | None = None,
) -> FeatureSet:
    """Map one patient's FHIR resources to features; unusable input goes to ``skipped``.

    ``extra_codes``: code-list entries a live terminology server found for codes no local list
    holds; ``terminology_note``: why it could not say (added to the record-based reasons)."""
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    local = str(options.local_codes_file) if options.local_codes_file else None
    col = Collector(
        now=now,
        options=options,
        index=load_index(local, options.include_unverified_codes),
        patient_id=str(patient_id),
        extra_codes=extra_codes or {},
        terminology_note=terminology_note,
    )
    try:
        sets = frozenset(a for a in available if isinstance(a, str))
    except TypeError:
        sets = frozenset()
    try:
        items = list(_flatten(resources))
    except Exception:  # an exotic iterable failing mid-way: map nothing rather than raise
        items = []
        col.skip("(request)", "resources could not be read")
    for raw in items:  # Medications first: a medication statement or order may reference one
        if isinstance(raw, Mapping) and raw.get("resourceType") == "Medication":
            rid = raw.get("id")
            if isinstance(rid, str) and rid:
                col.medications[f"Medication/{rid}"] = raw
    for position, raw in enumerate(items):
        try:
            _map_one(col, raw, position)
        except Exception as exc:  # contract: never raise; report instead
            col.skip(f"#{position}", f"could not map ({type(exc).__name__})")
    try:
        settle(col)
    except Exception as exc:
        col.skip("(request)", f"could not combine procedures ({type(exc).__name__})")
    try:
        map_draft_orders(col, draft_orders, selections)
    except Exception as exc:
        col.skip("draftOrders", f"could not map ({type(exc).__name__})")
    return assemble(col, sets)
