"""Coded Conditions and Observations -> Findings (one per matched feature) and alternatives.

A Condition speaks through clinicalStatus / verificationStatus, an Observation through status,
value, interpretation and dataAbsentReason (semantics.py). Which window applies comes from
catalog.py; Wells history criteria (cancer, DVT, PE) have their own rules here because "history
of" and "active" codes must never be confused (clinical-basis §2.4: Z85 / 266987004 are history).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fhir_mappings.catalog import (
    FINDING_LISTS,
    FRACTURE_LIST,
    LEG_FEATURES,
    LEG_SITE_CODES,
    SADDLE_SITE_CODES,
    STATUS_OBSERVATIONS,
    Window,
    alternative_kind,
)
from fhir_mappings.codelists import CodeEntry
from fhir_mappings.codes import LATERALITY_CODES, LOINC, SNOMED
from fhir_mappings.collect import Collector, Finding
from fhir_mappings.features import (
    AlternativeDiagnosis,
    Certainty,
    Coding,
    Evidence,
    FeatureName,
    State,
)
from fhir_mappings.read_models import Condition, Observation, VitalSignObservation
from fhir_mappings.semantics import (
    as_list,
    code_pairs,
    codings_of,
    concept_text,
    condition_state,
    field_of,
    first_code,
    laterality_of,
    observation_polarity,
    reference_of,
    to_datetime,
)

CodedResource = Condition | Observation
_CLINICIAN_ASSERTED = frozenset({"confirmed", "provisional"})
# a bodySite on the leg, or only a side
_LEG_OR_SIDE_CODES = LEG_SITE_CODES | frozenset(LATERALITY_CODES)


def _onset(resource: Condition) -> datetime | None:
    period = resource.get("onsetPeriod")
    return to_datetime(resource.get("onsetDateTime")) or to_datetime(field_of(period, "start"))


def _abatement(resource: Condition) -> datetime | None:
    period = resource.get("abatementPeriod")
    return to_datetime(resource.get("abatementDateTime")) or to_datetime(field_of(period, "end"))


def observation_time(resource: VitalSignObservation) -> datetime | None:
    period = resource.get("effectivePeriod")
    return (
        to_datetime(resource.get("effectiveDateTime"))
        or to_datetime(field_of(period, "start"))
        or to_datetime(resource.get("effectiveInstant"))
        or to_datetime(resource.get("issued"))
    )


def _matched_coding(resource: CodedResource, entries: tuple[CodeEntry, ...]) -> Coding | None:
    systems = {e.system for e in entries} if len(entries) > 1 else (entries[0].system,)
    for coding in codings_of(resource.get("code")):
        if coding.system in systems:
            return coding
    return None


def _site_codes(resource: CodedResource) -> set[str]:
    """SNOMED codes of bodySite (a list on Condition, a single concept on Observation)."""
    return {code for system, code in code_pairs(resource.get("bodySite")) if system == SNOMED}


def _leg_site_documented(resource: CodedResource) -> bool:
    return bool(_site_codes(resource) & _LEG_OR_SIDE_CODES)


def _site_rule(feature: str, resource: Any) -> bool:
    """Whether a body-site-dependent finding applies to this resource's bodySite.

    Tenderness counts only on the leg (Wells: along the deep veins). Numbness, paraesthesia or
    anaesthesia of skin on a saddle-region site (perineum, perianal, genital, buttock) is saddle
    numbness, a cauda equina red flag (clinical-basis §1.6), and not a leg radicular symptom; the
    same codes without a saddle site stay leg / radicular findings.
    """
    if feature == FeatureName.DEEP_VEIN_TENDERNESS:
        return _leg_site_documented(resource)
    if feature not in _SADDLE_SENSITIVE:
        return True
    sites = _site_codes(resource)
    saddle = bool(sites & SADDLE_SITE_CODES)
    if feature == FeatureName.SADDLE_NUMBNESS:
        return saddle
    if feature == FeatureName.RADICULAR_SYMPTOMS and saddle:
        # "left buttock" carries a laterality qualifier but is not a leg site
        return bool(sites & LEG_SITE_CODES)
    return True


_SADDLE_SENSITIVE = frozenset({FeatureName.SADDLE_NUMBNESS, FeatureName.RADICULAR_SYMPTOMS})


def _by_list(entries: tuple[CodeEntry, ...]) -> dict[str, CodeEntry]:
    return {e.list_name: e for e in entries}


class _ConditionEvidence:
    """What each finding of one Condition cites, built per feature (``evidence(feature)``)."""

    __slots__ = ("asserter", "certainty", "concept", "notes", "ref", "resource", "time")

    def __init__(
        self,
        ref: str,
        concept: Coding | None,
        time: datetime | None,
        resource: Condition,
        certainty: Certainty,
        asserter: str | None,
        notes: list[str],
    ) -> None:
        self.ref = ref
        self.concept = concept
        self.time = time
        self.resource = resource
        self.certainty = certainty
        self.asserter = asserter
        self.notes = notes

    def __call__(self, feature: str, extra: str | None = None) -> Evidence:
        resource = self.resource
        leg = feature in LEG_FEATURES
        laterality = (
            laterality_of(resource.get("bodySite") or [], code_pairs(resource.get("code")))
            if leg
            else None
        )
        notes = self.notes
        return Evidence(
            reference=self.ref,
            concept=self.concept,
            time=self.time,
            laterality=laterality,
            certainty=self.certainty,
            asserter=self.asserter,
            encounter=reference_of(resource.get("encounter")),
            note="; ".join([*notes, extra] if extra else notes) or None,
        )


def condition_findings(
    col: Collector, ref: str, resource: Condition, entries: tuple[CodeEntry, ...]
) -> None:
    state = condition_state(resource)
    if state.ignored:
        col.skip(ref, state.ignored)
        return
    onset, recorded = _onset(resource), to_datetime(resource.get("recordedDate"))
    times = [t for t in (onset, recorded) if t is not None]
    recency = max(times) if times else None
    concept = _matched_coding(resource, entries)
    asserter = reference_of(resource.get("asserter")) or reference_of(resource.get("recorder"))
    notes = [n for n in (state.note,) if n]
    if not state.current:
        status = first_code(resource.get("clinicalStatus"), "")
        notes.append("clinicalStatus " + (status or "inactive"))

    evidence = _ConditionEvidence(
        ref, concept, onset or recorded, resource, state.certainty, asserter, notes
    )

    for list_name in _by_list(entries):
        if list_name == FRACTURE_LIST:
            col.fractures.append(
                (evidence(FeatureName.PARALYSIS_OR_PLASTER), recency, state.current)
            )
            continue
        kind = alternative_kind(list_name)
        if kind is not None:
            _alternative(col, kind, resource, evidence(FeatureName.CALF_PAIN), recorded, onset)
        target = FINDING_LISTS.get(list_name)
        if target is None:
            continue
        feature, window = target
        if not _site_rule(feature, resource):
            continue
        if window is Window.SPECIAL:
            _history_finding(col, list_name, state.current, recency, _abatement(resource), evidence)
            continue
        eligible, why = _eligible(col, window, state.current, recency)
        finding_state = State.PRESENT
        reason = why
        if feature == FeatureName.RECENT_MAJOR_SURGERY:
            finding_state = State.UNKNOWN
            reason = why or "surgery recorded; general or regional anaesthesia not recorded"
        col.findings.append(
            Finding(feature, finding_state, evidence(feature), eligible, recency, reason)
        )


def _eligible(
    col: Collector, window: Window, current: bool, when: datetime | None
) -> tuple[bool, str | None]:
    if not current:
        return False, "not current (clinicalStatus)"
    if window is Window.RECENT and when is not None and not col.recent(when):
        return False, f"older than {col.options.recent_symptom_days} days"
    if window is Window.SURGERY:
        if when is None:
            return False, "undated"
        if when < col.since(weeks=col.options.surgery_window_weeks):
            return False, f"older than {col.options.surgery_window_weeks} weeks"
    if window is Window.PREGNANCY and when is not None:
        weeks = col.options.pregnancy_weeks + col.options.postpartum_weeks
        if when < col.since(weeks=weeks):
            return False, f"recorded {when:%Y-%m-%d}, longer ago than a pregnancy ({weeks} weeks)"
    return True, None


def _history_finding(
    col: Collector,
    list_name: str,
    current: bool,
    when: datetime | None,
    abated: datetime | None,
    evidence: Any,
) -> None:
    F = FeatureName
    add = col.findings.append
    if list_name == "cancer_history":
        history = "history of cancer, not active cancer"
        add(
            Finding(F.ACTIVE_CANCER, State.PRESENT, evidence(F.ACTIVE_CANCER), False, when, history)
        )
    elif list_name == F.ACTIVE_CANCER:
        months = col.options.cancer_treatment_months
        treated = abated is not None and abated >= col.since(months=months)
        note = None if current else _abatement_note(abated, treated, months)
        eligible = current or treated
        reason: str | None = None
        if not eligible:
            reason = f"not active and not abated within {months} months"
        add(
            Finding(
                F.ACTIVE_CANCER,
                State.PRESENT,
                evidence(F.ACTIVE_CANCER, note),
                eligible,
                when,
                reason,
            )
        )
    elif list_name in ("dvt", "pe"):
        episode_start = col.since(days=col.options.episode_days)
        earlier = (not current) or (when is not None and when < episode_start)
        if current:
            known = F.CURRENT_DVT if list_name == "dvt" else F.CURRENT_PE
            add(Finding(known, State.PRESENT, evidence(known), True, when))
        previous = F.PREVIOUS_DVT if list_name == "dvt" else F.PREVIOUS_PE
        why: str | None = None if earlier else "within the current episode"
        add(Finding(previous, State.PRESENT, evidence(previous), earlier, when, why))
    else:  # previous_dvt / previous_pe history codes: history whatever the clinicalStatus
        add(Finding(list_name, State.PRESENT, evidence(list_name), True, when))


def _abatement_note(abated: datetime | None, treated: bool, months: int) -> str:
    """What the evidence says about a non-current cancer: only "within" when it really is."""
    if abated is None:
        return "abatement date not recorded"
    since = f"within the last {months} months" if treated else f"more than {months} months ago"
    return f"abated {abated:%Y-%m-%d}, {since}"


def _alternative(
    col: Collector,
    kind: str,
    resource: Condition,
    evidence: Evidence,
    recorded: datetime | None,
    onset: datetime | None,
) -> None:
    if not condition_state(resource).current:
        return
    asserted_at = recorded or onset
    verification = first_code(resource.get("verificationStatus"), "")
    col.alternatives.append(
        AlternativeDiagnosis(
            kind=kind,
            evidence=evidence,
            current_episode=asserted_at is not None
            and asserted_at >= col.since(days=col.options.episode_days),
            clinician_asserted=verification in _CLINICIAN_ASSERTED,
        )
    )


def _status_code(resource: Observation) -> str | None:
    """The LOINC code of a status Observation (``catalog.STATUS_OBSERVATIONS``), if it is one."""
    for system, code in code_pairs(resource.get("code")):
        if system == LOINC and code in STATUS_OBSERVATIONS:
            return code
    return None


def _coded_status(resource: Observation) -> tuple[State, str | None, str | None] | None:
    """(state, value text, reason) of a status Observation from its coded value; None when the
    Observation is not one (its polarity is then read as for any finding)."""
    code = _status_code(resource)
    if code is None:
        return None
    present, absent = STATUS_OBSERVATIONS[code]
    value = resource.get("valueCodeableConcept")
    values = {c for system, c in code_pairs(value) if system == SNOMED}
    shown = concept_text(value) or None
    if values & present:
        return State.PRESENT, shown, None
    if values & absent:
        return State.ABSENT, shown, None
    return State.UNKNOWN, shown, f"status recorded as {shown or 'no value'}"


def observation_findings(
    col: Collector,
    ref: str,
    resource: Observation,
    entries: tuple[CodeEntry, ...],
    note: str | None,
) -> None:
    """Coded finding Observations; ``note`` marks preliminary results."""
    when = observation_time(resource)
    polarity, value, reason = _coded_status(resource) or observation_polarity(resource)
    if polarity is State.ABSENT and not col.recent(when) and _status_code(resource):
        # "not pregnant" is true on the day it was asked, not for months after
        reason = f"negative status older than {col.options.recent_symptom_days} days"
    concept = _matched_coding(resource, entries)
    performer = resource.get("performer") or []
    certainty = Certainty.PROVISIONAL if note else Certainty.CONFIRMED
    for list_name in _by_list(entries):
        target = FINDING_LISTS.get(list_name)
        if target is None:
            continue
        feature, window = target
        if window is Window.SPECIAL:
            if list_name == "cancer_history":
                continue
            if list_name == "dvt":
                feature = FeatureName.CURRENT_DVT if col.recent(when) else FeatureName.PREVIOUS_DVT
            elif list_name == "pe":
                if col.recent(when):
                    continue
                feature = FeatureName.PREVIOUS_PE
            window = Window.CURRENT
        if not _site_rule(feature, resource):
            continue
        eligible, why = _eligible(col, window, True, when)
        if reason and reason.startswith("negative status older"):
            eligible = False
        leg = feature in LEG_FEATURES
        ev = Evidence(
            reference=ref,
            concept=concept,
            value=value,
            time=when,
            laterality=laterality_of(as_list(resource.get("bodySite"))) if leg else None,
            certainty=certainty,
            asserter=reference_of(performer[0]) if performer else None,
            encounter=reference_of(resource.get("encounter")),
            note=note,
        )
        col.findings.append(Finding(feature, polarity, ev, eligible, when, reason or why))
