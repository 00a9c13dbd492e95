"""bench/valueset_cost.py's cut-down index is a working CodeIndex: same lists and systems, only
the lookups the request can reach (the script is run by hand, so this keeps it runnable)."""

from __future__ import annotations

from bench.valueset_cost import _codes, minimal_index
from fhir_mappings.codelists import load_index


def test_the_minimal_index_keeps_what_the_request_reaches_and_nothing_else() -> None:
    full = load_index(None, False)
    request = {"code": {"coding": [{"system": "http://snomed.info/sct", "code": "300954003"}]}}
    small = minimal_index(full, _codes(request))
    assert set(small.by_code) == {("http://snomed.info/sct", "300954003")}
    assert small.match("http://snomed.info/sct", "300954003") == full.match(
        "http://snomed.info/sct", "300954003"
    )
    assert (small.lists, small.value_sets, small.systems) == (
        full.lists,
        full.value_sets,
        full.systems,
    )
