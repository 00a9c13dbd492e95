"""FHIR resource semantics shared by the mappers: statuses, times, laterality, value polarity.

Rules from docs/fhir-conventions.md. Kept in one module so a reviewer can check, in one screen,
what counts as present, absent, ignored or unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from fhir_mappings.codes import (
    ANSWER_NO,
    ANSWER_UNKNOWN,
    ANSWER_YES,
    ICD10CM,
    LATERALITY_CODES,
    SNOMED,
    icd_laterality,
)
from fhir_mappings.features import Certainty, Coding, Laterality, State
from fhir_mappings.units import quantity_unit

CURRENT_CLINICAL = frozenset({"active", "recurrence", "relapse"})
PAST_CLINICAL = frozenset({"inactive", "remission", "resolved"})
IGNORED_VERIFICATION = frozenset({"refuted", "entered-in-error"})
RESULT_STATUSES = frozenset({"final", "amended", "corrected", "preliminary"})
IGNORED_OBSERVATION = frozenset({"entered-in-error", "cancelled"})
POSITIVE_INTERPRETATION = frozenset({"POS", "DET"})
NEGATIVE_INTERPRETATION = frozenset({"NEG", "ND"})

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def to_datetime(value: Any) -> datetime | None:
    """A FHIR date/dateTime/instant (resource value or string, partial allowed) as aware UTC.

    Partial dates ("2024", "2024-05") take their first instant; a naive time is read as UTC.
    """
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        text = value.strip()
        match = _PARTIAL.match(text)
        if match:
            year, month, day = match.groups()
            try:
                return datetime(int(year), int(month or 1), int(day or 1), tzinfo=UTC)
            except ValueError:
                return None
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def field_of(element: Any, name: str) -> Any:
    """``element[name]`` of an optional validated element (a dict, or None when not given)."""
    return element.get(name) if element else None


def as_list(element: Any) -> list[Any]:
    """An optional single element as a list (``bodySite`` is one concept on an Observation)."""
    return [element] if element else []


def _walk(concept: Any) -> Iterator[tuple[str, str, str | None]]:
    """``(system, code, display)`` of every coding with a string system and code, in a
    CodeableConcept or a list of them, validated or raw JSON (anything else yields nothing)."""
    if not concept:
        return
    for item in concept if isinstance(concept, list) else (concept,):
        codings = item.get("coding") if isinstance(item, dict) else None
        for coding in codings if isinstance(codings, list) else ():
            if not isinstance(coding, dict):
                continue
            system, code, display = coding.get("system"), coding.get("code"), coding.get("display")
            if isinstance(system, str) and isinstance(code, str) and system and code:
                yield system, code, display if isinstance(display, str) else None


def codings_of(concept: Any) -> list[Coding]:
    """Codings with system and code set, of a CodeableConcept (or a list of them)."""
    return [Coding(*found) for found in _walk(concept)]


def code_pairs(concept: Any) -> list[tuple[str, str]]:
    """``(system, code)`` of the codings ``codings_of`` returns (validated or raw JSON)."""
    return [(system, code) for system, code, _ in _walk(concept)]


def concept_text(concept: Any) -> str:
    text = concept.get("text") if isinstance(concept, dict) else None
    if text:
        return str(text)
    codings = codings_of(concept)
    return (codings[0].display or codings[0].code) if codings else ""


def reference_of(value: Any) -> str | None:
    """ "Type/id" from a Reference (resource or raw), dropping a base URL and _history."""
    if isinstance(value, dict):
        ref = value.get("reference")
    else:
        ref = getattr(value, "reference", None)
    if not isinstance(ref, str) or "/" not in ref:
        return None
    parts = ref.split("/_history/")[0].rstrip("/").split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 else None


def laterality_of(
    body_sites: Iterable[Any], codes: Iterable[tuple[str, str]] = ()
) -> Laterality | None:
    """From bodySite SNOMED qualifiers (left/right/bilateral), else ICD-10-CM code laterality.

    ``codes``: the resource's own ``(system, code)`` pairs (``code_pairs``), for ICD-10-CM.
    """
    found: set[Laterality] = set()
    for system, code in code_pairs(list(body_sites)):
        if system == SNOMED and code in LATERALITY_CODES:
            found.add(LATERALITY_CODES[code])
    if not found:
        for system, code in codes:
            if system == ICD10CM:
                lat = icd_laterality(code)
                if lat is not None:
                    found.add(lat)
    return merge_laterality(found)


def merge_laterality(found: Iterable[Laterality | None]) -> Laterality | None:
    sides = {lat for lat in found if lat is not None}
    if Laterality.BILATERAL in sides or {Laterality.LEFT, Laterality.RIGHT} <= sides:
        return Laterality.BILATERAL
    if Laterality.LEFT in sides:
        return Laterality.LEFT
    if Laterality.RIGHT in sides:
        return Laterality.RIGHT
    return Laterality.UNSPECIFIED if sides else None


def first_code(concept: Any, system: str) -> str | None:
    """The code of the first coding in ``system``, else of the first coding (as ``codings_of``)."""
    pairs = code_pairs(concept)
    for found, code in pairs:
        if found == system:
            return code
    return pairs[0][1] if pairs else None


_CERTAINTY = {
    "provisional": Certainty.PROVISIONAL,
    "differential": Certainty.DIFFERENTIAL,
    "unconfirmed": Certainty.UNCONFIRMED,
}


class ConditionState(NamedTuple):
    ignored: str | None  # reason when the Condition must not be used at all
    current: bool  # clinicalStatus active / recurrence / relapse (or missing)
    certainty: Certainty
    note: str | None


def condition_state(resource: Any) -> ConditionState:
    clinical = first_code(resource.get("clinicalStatus"), "")
    verification = first_code(resource.get("verificationStatus"), "")
    if verification in IGNORED_VERIFICATION:
        return ConditionState(
            f"verificationStatus {verification}", False, Certainty.CONFIRMED, None
        )
    certainty = _CERTAINTY.get(verification or "", Certainty.CONFIRMED)
    note = verification if certainty is not Certainty.CONFIRMED else None
    if clinical is None:
        return ConditionState(None, True, certainty, "clinicalStatus missing")
    return ConditionState(None, clinical in CURRENT_CLINICAL, certainty, note)


def observation_ignored(status: str | None) -> str | None:
    if status in IGNORED_OBSERVATION:
        return f"status {status}"
    if status not in RESULT_STATUSES:
        return f"status {status or 'missing'} is not a result"
    return None


def interpretation_codes(resource: Any) -> set[str]:
    return {code for _, code in code_pairs(resource.get("interpretation"))}


def observation_polarity(resource: Any) -> tuple[State, str | None, str | None]:
    """(state, value text, reason) for a coded finding Observation.

    Present: valueBoolean true, interpretation POS/DET, a "yes" / "present" answer (coded or in
    words), any other value, or no value (the finding was recorded). Absent: valueBoolean false,
    interpretation NEG/ND, or a "no" / "absent" answer. dataAbsentReason or an "unknown" answer:
    unknown.
    """
    absent = resource.get("dataAbsentReason")
    if absent is not None:
        return State.UNKNOWN, None, f"data absent: {concept_text(absent) or 'no reason given'}"
    interp = interpretation_codes(resource)
    boolean = resource.get("valueBoolean")
    if boolean is False or interp & NEGATIVE_INTERPRETATION:
        return State.ABSENT, "false" if boolean is False else "NEG", None
    if boolean is True or interp & POSITIVE_INTERPRETATION:
        return State.PRESENT, "true" if boolean is True else "POS", None
    for attr in ("valueCodeableConcept", "valueString", "valueInteger", "valueQuantity"):
        value = resource.get(attr)
        if value is not None:
            answer: State | None = None
            if attr == "valueCodeableConcept":
                shown = concept_text(value)
                answer = _coded_answer(value)
            elif attr == "valueQuantity":
                shown = f"{value.get('value', '')} {quantity_unit(value) or ''}".strip()
            else:
                shown = str(value)
                answer = _TEXT_ANSWERS.get(shown.strip().rstrip(".").casefold())
            if answer is State.UNKNOWN:
                return State.UNKNOWN, shown[:80], f"recorded as {shown[:80] or 'unknown'}"
            # Any other value describes the finding (a grade, a side), so it was found.
            return answer or State.PRESENT, shown[:80], None
    return State.PRESENT, None, None


# A finding recorded in words, as flowsheets write it; only the whole value is read.
_TEXT_ANSWERS: dict[str, State] = {
    **dict.fromkeys(("yes", "y", "present", "positive"), State.PRESENT),
    **dict.fromkeys(("no", "n", "absent", "negative", "not present", "none"), State.ABSENT),
    **dict.fromkeys(("unknown", "not known", "unk"), State.UNKNOWN),
}


def _coded_answer(value: Any) -> State | None:
    """Yes / no / unknown from a coded answer (``codes.ANSWER_*``); None for any other value.
    Answers that contradict each other are unknown."""
    pairs = set(code_pairs(value))
    found = {
        state
        for state, answers in (
            (State.PRESENT, ANSWER_YES),
            (State.ABSENT, ANSWER_NO),
            (State.UNKNOWN, ANSWER_UNKNOWN),
        )
        if pairs & answers
    }
    if not found:
        return None
    return found.pop() if len(found) == 1 else State.UNKNOWN
