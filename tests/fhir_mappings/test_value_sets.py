"""Value sets: loaded once and checked, published over FHIR and by the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from fhir_mappings.catalog import PUBLIC_VALUE_SETS, list_value_sets
from fhir_mappings.terminology import (
    SOURCE_EXTENSION,
    STATUS_EXTENSION,
    ValueSetError,
    builtin_value_sets,
    parse_value_set,
    read_folder,
)
from tests.conftest import running_app

SCT = "http://snomed.info/sct"


def _supplement(contains: list[dict[str, Any]], **expansion: Any) -> dict[str, Any]:
    return {
        "resourceType": "ValueSet",
        "id": "calf-triage-x",
        "url": "https://calf-triage.example.org/fhir/ValueSet/calf-triage-x",
        "version": "1",
        "expansion": {"contains": contains, **expansion},
    }


def _code(code: str, *, source: str | None = "IPS", status: str = "verified") -> dict[str, Any]:
    ext = [{"url": STATUS_EXTENSION, "valueCode": status}]
    if source is not None:
        ext.append({"url": SOURCE_EXTENSION, "valueString": source})
    return {"system": SCT, "code": code, "extension": ext}


def test_every_value_set_the_lists_name_is_shipped_complete() -> None:
    known = builtin_value_sets()
    for list_name, ids in list_value_sets(known).items():
        for vid in ids:
            assert vid in known, (list_name, vid)
    for ids in PUBLIC_VALUE_SETS.values():
        for vid in ids:
            vs = known[vid]
            total = vs.resource["expansion"].get("total")
            assert vs.members and (total is None or total == len(vs.members))


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        ({"resourceType": "CodeSystem"}, "not a FHIR ValueSet"),
        ({**_supplement([]), "version": None}, "version"),
        ({**_supplement([]), "expansion": None}, "no expansion.contains"),
        (_supplement([_code("1")], total=5), "expansion.total 5 but 1 codes"),
        (_supplement([{"system": SCT}]), "code missing"),
        (_supplement([{"system": "sct", "code": "1"}]), "system must be a URI"),
        (_supplement([_code("1", source=None)]), "source and a status"),
        (_supplement([_code("1", status="maybe")]), "source and a status"),
    ],
)
def test_a_malformed_or_incomplete_value_set_is_refused(
    resource: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueSetError, match=message):
        parse_value_set(resource, where="x.json", supplement=True)


def test_an_empty_public_expansion_is_refused(tmp_path: Path) -> None:
    resource = _supplement([])
    (tmp_path / "vs.json").write_text(json.dumps(resource))
    with pytest.raises(ValueSetError, match="empty expansion"):
        read_folder(tmp_path, supplement=False)
    (tmp_path / "vs.json").write_text("{not json")
    with pytest.raises(ValueSetError, match="unreadable"):
        read_folder(tmp_path, supplement=False)


def test_the_service_refuses_to_start_on_a_broken_value_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fhir_mappings.codelists as codelists
    import fhir_mappings.terminology as terminology
    from cds.app import create_app
    from tests.conftest import make_settings

    for kind in ("vsac", "supplements"):
        (tmp_path / "vs" / kind).mkdir(parents=True)
    truncated = _supplement([_code("1")], total=1000)
    (tmp_path / "vs" / "vsac" / "cancer.json").write_text(json.dumps(truncated))
    monkeypatch.setattr(terminology, "VALUESET_DIR", tmp_path / "vs")
    terminology.builtin_value_sets.cache_clear()
    codelists._builtin_entries.cache_clear()
    codelists.load_index.cache_clear()
    try:
        with pytest.raises(ValueSetError, match=r"expansion\.total 1000"):
            create_app(make_settings(tmp_path))
    finally:
        terminology.builtin_value_sets.cache_clear()
        codelists._builtin_entries.cache_clear()
        codelists.load_index.cache_clear()


async def test_the_value_sets_are_served_as_a_searchset_bundle(tmp_path: Path) -> None:
    from tests.conftest import make_settings

    async with running_app(make_settings(tmp_path)) as client:
        summary = await client.get("/fhir/ValueSet", params={"_summary": "true"})
        assert summary.status_code == 200
        assert summary.headers["content-type"].startswith("application/fhir+json")
        bundle = summary.json()
        assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
        ids = {e["resource"]["id"] for e in bundle["entry"]}
        assert ids == set(builtin_value_sets())
        assert "2.16.840.1.113883.3.526.3.1010" in ids  # Cancer
        assert "calf-triage-orders-nsaid" in ids
        assert all("expansion" not in e["resource"] for e in bundle["entry"])
        cancer_url = "http://cts.nlm.nih.gov/fhir/ValueSet/2.16.840.1.113883.3.526.3.1010"
        one = (await client.get("/fhir/ValueSet", params={"url": cancer_url})).json()
        assert one["total"] == 1
        assert len(one["entry"][0]["resource"]["expansion"]["contains"]) > 7000
        bad = await client.get("/fhir/ValueSet", params={"name": "x"})
        assert bad.status_code == 400
        assert bad.json()["resourceType"] == "OperationOutcome"


async def test_one_value_set_is_read_by_id_with_version_and_expansion(tmp_path: Path) -> None:
    from tests.conftest import make_settings

    async with running_app(make_settings(tmp_path)) as client:
        got = await client.get("/fhir/ValueSet/calf-triage-hormonal-contraception")
        assert got.status_code == 200
        resource = got.json()
        assert resource["version"] and resource["expansion"]["total"] > 0
        codes = {c["code"] for c in resource["expansion"]["contains"]}
        assert {"978950", "748962"} <= codes
        missing = await client.get("/fhir/ValueSet/nope")
        assert missing.status_code == 404
        assert missing.json()["resourceType"] == "OperationOutcome"
        assert isinstance(client, httpx.AsyncClient)


def test_the_cli_lists_and_writes_the_value_sets(tmp_path: Path) -> None:
    from cds.cli import cli

    result = CliRunner().invoke(cli, ["valuesets", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == len(builtin_value_sets())
    cancer = next(line for line in lines if line.startswith("2.16.840.1.113883.3.526.3.1010\t"))
    assert cancer.split("\t")[1] == "7981" and cancer.endswith("Cancer")
    written = json.loads((tmp_path / "calf-triage-orders-nsaid.json").read_text())
    assert written["resourceType"] == "ValueSet"
    assert any(c["code"] == "105914" for c in written["expansion"]["contains"])


def test_the_observation_query_stays_short_and_holds_no_public_set_code() -> None:
    """EHRs refuse long request lines (8 KB is common): the Observation prefetch names only the
    supplements' Observation codes, never the thousands of codes of the VSAC sets."""
    from fhir_mappings.features import FeatureName
    from fhir_mappings.sources import search_specs_for

    spec = next(s for s in search_specs_for(list(FeatureName)) if s.key == "observations")
    assert len(spec.template) < 4000
    assert "93761005" not in spec.template  # a Cancer (VSAC) code
    assert "http://loinc.org|8867-4" in spec.template  # heart rate (supplement)
