"""Resources dated in the future are left out: they are never current and never decide anything.

A heart rate typed a year ahead would otherwise be the newest reading and override today's; a
calf-pain Condition dated next year would be a recent complaint. A resource whose own time (when
it was observed, began, was performed or ordered) is later than now plus the clock-skew allowance
(``MappingOptions.clock_skew_seconds``: clocks of EHR and service differ a little) is skipped
with a reason. Later *planned* times (a dosage that starts next week, an expected abatement) are
not read here.

A date without a time names a day in the EHR's time zone, which we do not know: it is in the
future only if that day has not begun anywhere yet (UTC+14 is the earliest time zone).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from fhir_mappings.semantics import to_datetime

# Each resource type's own times, as (element,) or (element, sub-element).
_OWN_TIMES: Mapping[str, tuple[tuple[str, ...], ...]] = {
    "Observation": (
        ("effectiveDateTime",),
        ("effectivePeriod", "start"),
        ("effectiveInstant",),
        ("issued",),
    ),
    "Condition": (("onsetDateTime",), ("onsetPeriod", "start"), ("recordedDate",)),
    "Procedure": (("performedDateTime",), ("performedPeriod", "start")),
    "MedicationRequest": (("authoredOn",),),
    # when the statement was made; its effective time may lie ahead ("intended")
    "MedicationStatement": (("dateAsserted",),),
    # a dose charted ahead is planned, not given
    "MedicationAdministration": (("effectiveDateTime",), ("effectivePeriod", "start")),
}
_EARLIEST_ZONE = timedelta(hours=14)


def _own_times(
    resource_type: str, resource: Mapping[str, Any]
) -> Iterator[tuple[tuple[str, ...], Any, datetime]]:
    """(path, value as sent, aware UTC time) of each of the resource's own times that is given."""
    for path in _OWN_TIMES.get(resource_type, ()):
        value: Any = resource.get(path[0])
        if len(path) == 2:
            value = value.get(path[1]) if isinstance(value, Mapping) else None
        when = to_datetime(value)
        if when is not None:
            yield path, value, when


def future_dated(
    resource_type: str, resource: Mapping[str, Any], now: datetime, skew_seconds: int
) -> str | None:
    """Why ``resource`` is dated in the future (the element named), or None."""
    latest = now + timedelta(seconds=skew_seconds)
    for path, value, when in _own_times(resource_type, resource):
        if _date_only(value):
            when -= _EARLIEST_ZONE
        if when > latest:
            return f"dated in the future ({'.'.join(path)} is after now)"
    return None


def _date_only(value: Any) -> bool:
    if isinstance(value, str):
        return "T" not in value
    return isinstance(value, date) and not isinstance(value, datetime)


def own_time(resource_type: str, resource: Mapping[str, Any]) -> datetime | None:
    """The first of a resource's own times that is given (``_OWN_TIMES``), as aware UTC."""
    return next((when for _, _, when in _own_times(resource_type, resource)), None)
