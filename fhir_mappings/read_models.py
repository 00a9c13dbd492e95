"""Strict schemas of exactly the Observation / Condition / Patient elements the mappers read.

Why they exist: full R4B validation (fhir.resources) is several times slower than these
schemas, and every Observation in a typical request is relevant (the prefetch filters by code).
They are compiled pydantic-core schemas of the elements read, declared as TypedDicts so that they
return plain dicts (no model objects) and so that the mappers' reads are typed; they are
deliberately *stricter* than R4B, never looser:

- closed below the top level (``extra="forbid"``), so an extension, a primitive's ``_element``,
  an identifier or any other element we do not model is not accepted inside what we read; at the
  top level unread elements are ignored (as trimming them to ``resources._READ`` would), and a
  read element we do not model sends the resource to R4B (``resources.validate``);
- strict types (no coercion: ``"true"`` is not a boolean, ``1`` is not a string), no empty
  strings (R4B's own rule);
- the R4B primitive rules that matter for the logic, checked the same way R4B checks them:
  ``code`` and ``id`` patterns, ``decimal`` (pattern, then ``Decimal(str(float))`` as R4B does),
  ``dateTime`` / ``instant`` / ``date`` (R4B's patterns; calendar-checked; values become
  ``datetime`` / ``date`` / partial ``str`` exactly as the R4B models hold them), one value of
  each choice element (``value[x]``, ``effective[x]``, ``onset[x]``, ``abatement[x]``).

Whatever these schemas refuse is not rejected: ``resources.validate`` then runs the full R4B
model (the slow path), which either accepts it (and the mappers read its dump) or gives the
precise reason for the skip. So the fast path can only change speed, never which resources are
read or what is read from them; ``tests/fhir_mappings/test_validation_paths.py`` checks that the
two paths produce the same features on every fixture.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, NamedTuple, Required

from pydantic import AfterValidator, BeforeValidator, ConfigDict, StringConstraints, TypeAdapter
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

# R4B (fhir_core.types) patterns, verbatim.
_DATETIME = re.compile(
    r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|"
    r"3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|([+\-])((0[0-9]|"
    r"1[0-3]):[0-5][0-9]|14:00)))?)?)?"
)
_DATE = re.compile(
    r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2]"
    r"[0-9]|3[0-1]))?)?"
)
_DECIMAL = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$")
# Our own narrowing: at most microseconds and no leap second (Python's datetime has neither).
_FULL_TIME = re.compile(r"T\d{2}:\d{2}:[0-5]\d(\.\d{1,6})?(Z|[+\-]\d{2}:\d{2})$")


def _date_time(value: str) -> datetime | date | str:
    """As R4B holds it: aware ``datetime`` with a time, ``date`` for a day, ``str`` if partial."""
    if not _DATETIME.fullmatch(value):
        raise ValueError("not a FHIR dateTime")
    if "T" in value:
        if not _FULL_TIME.search(value):
            raise ValueError("dateTime outside the fast subset")
        return datetime.fromisoformat(value)  # calendar-checked; raises ValueError
    if len(value) == 10:
        return date.fromisoformat(value)
    return value  # "2024" or "2024-05": R4B keeps partial dates as strings


def _instant(value: str) -> datetime:
    parsed = _date_time(value)
    if not isinstance(parsed, datetime):
        raise ValueError("an instant needs a time and a time zone")
    return parsed


def _date(value: str) -> date | str:
    if not _DATE.fullmatch(value):
        raise ValueError("not a FHIR date")
    return date.fromisoformat(value) if len(value) == 10 else value


def _decimal(value: int | float) -> Decimal:
    if not _DECIMAL.fullmatch(str(value)):
        raise ValueError("not a FHIR decimal")
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


Str = Annotated[str, StringConstraints(pattern=r"[ \r\n\t\S]+")]
Uri = Annotated[str, StringConstraints(min_length=1, pattern=r"^\S+$")]
Code = Annotated[str, StringConstraints(pattern=r"^[^\s]+(\s[^\s]+)*$")]
Id = Annotated[str, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9\-.]+$")]
DateTime = Annotated[str, AfterValidator(_date_time)]
Instant = Annotated[str, AfterValidator(_instant)]
FhirDate = Annotated[str, AfterValidator(_date)]
Dec = Annotated[int | float, AfterValidator(_decimal)]


class Watch(NamedTuple):
    """What ``fast_path_allows`` looks at for one view."""

    prefix: dict[str, str | None]  # read key -> its choice prefix, or None when not modelled
    keys: frozenset[str]  # the keys of ``prefix``


def watched_keys(
    read: tuple[str, ...], prefixes: tuple[str, ...], unmodelled: frozenset[str]
) -> Watch:
    """Read keys the fast path must look at: choice keys -> their prefix, unmodelled -> None."""
    watch: dict[str, str | None] = {k: p for k in read for p in prefixes if k.startswith(p)}
    watch.update(dict.fromkeys(unmodelled))
    return Watch(watch, frozenset(watch))


def fast_path_allows(data: Mapping[str, Any], watch: Watch) -> bool:
    """No read element the fast schema lacks, and ``one_of`` holds for the read elements."""
    seen: set[str] = set()
    for key in watch.keys.intersection(data):
        choice = watch.prefix[key]
        if choice is None or choice in seen:
            return False
        seen.add(choice)
    return True


def one_of(data: Any, prefixes: tuple[str, ...]) -> Any:
    """R4B's choice-element rule: at most one ``value[x]`` (etc.) is given."""
    if isinstance(data, dict):
        for prefix in prefixes:
            if sum(1 for key in data if key.startswith(prefix)) > 1:
                raise ValueError(f"more than one {prefix}[x]")
    return data


_CLOSED = ConfigDict(extra="forbid", strict=True)
# Top level only: elements we do not read are ignored, as trimming them would (the caller sends
# elements we list as read but do not model to R4B instead, see ``UNMODELLED``).
_TOP = ConfigDict(extra="ignore", strict=True)


class Coding(TypedDict, total=False):
    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    system: Uri
    version: Str
    code: Code
    display: Str
    userSelected: bool


class CodeableConcept(TypedDict, total=False):
    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    coding: list[Coding]
    text: Str


class Quantity(TypedDict, total=False):
    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    value: Dec
    comparator: Code
    unit: Str
    system: Uri
    code: Code


class Reference(TypedDict, total=False):
    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    reference: Str
    type: Uri
    display: Str


class Period(TypedDict, total=False):
    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    start: DateTime
    end: DateTime


class ReferenceRange(TypedDict, total=False):
    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    low: Quantity
    high: Quantity
    type: CodeableConcept
    appliesTo: list[CodeableConcept]
    text: Str


class ObservationComponent(TypedDict, total=False):
    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    code: Required[CodeableConcept]
    valueQuantity: Quantity
    valueCodeableConcept: CodeableConcept
    valueString: Str
    valueBoolean: bool
    valueInteger: int
    dataAbsentReason: CodeableConcept
    interpretation: list[CodeableConcept]
    referenceRange: list[ReferenceRange]


def _one_value(data: Any) -> Any:
    return one_of(data, ("value",))


Component = Annotated[ObservationComponent, BeforeValidator(_one_value)]


VITAL_SIGN_VIEW = "Observation/vital-sign"  # an Observation read as a vital sign only


class VitalSignObservation(TypedDict, total=False):
    """An Observation read as a vital sign: what ``measurements`` reads for one (its value, time,
    status, encounter); every ``value[x]`` stays, so the one-value rule is still checked."""

    __pydantic_config__ = _TOP  # type: ignore[misc]
    resourceType: Required[Literal["Observation"]]
    id: Id
    subject: Reference
    encounter: Reference
    status: Required[Code]
    code: Required[CodeableConcept]
    bodySite: CodeableConcept
    effectiveDateTime: DateTime
    effectivePeriod: Period
    effectiveInstant: Instant
    issued: Instant
    valueQuantity: Quantity
    valueBoolean: bool
    valueCodeableConcept: CodeableConcept
    valueString: Str
    valueInteger: int
    dataAbsentReason: CodeableConcept


class Observation(VitalSignObservation, total=False):
    """Any other Observation (findings, labs, D-dimer, calf circumference)."""

    __pydantic_config__ = _TOP  # type: ignore[misc]
    performer: list[Reference]
    interpretation: list[CodeableConcept]
    referenceRange: list[ReferenceRange]
    component: list[Component]


class Condition(TypedDict, total=False):
    __pydantic_config__ = _TOP  # type: ignore[misc]
    resourceType: Required[Literal["Condition"]]
    id: Id
    subject: Required[Reference]
    encounter: Reference
    clinicalStatus: CodeableConcept
    verificationStatus: CodeableConcept
    code: CodeableConcept
    bodySite: list[CodeableConcept]
    onsetDateTime: DateTime
    onsetPeriod: Period
    abatementDateTime: DateTime
    abatementPeriod: Period
    recordedDate: DateTime
    recorder: Reference
    asserter: Reference


class Patient(TypedDict, total=False):
    __pydantic_config__ = _TOP  # type: ignore[misc]
    resourceType: Required[Literal["Patient"]]
    id: Id
    birthDate: FhirDate
    gender: Code


# view (``resources.VIEWS``) -> (compiled validator returning plain dicts, choice elements checked
# by the caller on the top-level dict, the top-level elements the schema reads)
FAST_MODELS: dict[str, tuple[Any, tuple[str, ...], frozenset[str]]] = {
    name: (
        TypeAdapter(schema).validator.validate_python,
        prefixes,
        schema.__required_keys__ | schema.__optional_keys__,
    )
    for name, schema, prefixes in (
        ("Observation", Observation, ("value", "effective")),
        (VITAL_SIGN_VIEW, VitalSignObservation, ("value", "effective")),
        ("Condition", Condition, ("onset", "abatement")),
        ("Patient", Patient, ()),
    )
}
