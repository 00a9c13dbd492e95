"""Code lists: every shipped code is sourced and every own ICD-10-CM code is in the CMS tabular."""

from __future__ import annotations

from pathlib import Path

import pytest

from fhir_mappings.codelists import (
    CodelistError,
    builtin_entries,
    load_index,
    parse_rows,
)
from fhir_mappings.codes import ICD10CM, icd_is_valid, icd_laterality, icd_lineage
from fhir_mappings.features import Laterality
from fhir_mappings.terminology import VALUESET_DIR, ValueSetError, builtin_value_sets

from .builders import ICD, LNC, LOCAL, SCT, observation, qty, run


def test_every_list_is_defined_by_value_sets_with_sourced_codes() -> None:
    known = builtin_value_sets()
    supplements = [vs for vs in known.values() if vs.supplement]
    assert len(supplements) > 60
    assert all(m.source for vs in known.values() for m in vs.members)
    entries = builtin_entries()
    icd_codes = [e.code for e in entries if e.system == ICD10CM and e.value_set.startswith("calf")]
    assert icd_codes and all(icd_is_valid(c) for c in icd_codes)
    assert all(e.value_set in known for e in entries)


def test_the_value_sets_are_read_from_the_package_folder() -> None:
    import fhir_mappings

    assert Path(fhir_mappings.__path__[0]) / "valuesets" == VALUESET_DIR


def test_no_value_sets_at_all_is_an_error_not_an_empty_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fhir_mappings.terminology as terminology

    (tmp_path / "vsac").mkdir()
    (tmp_path / "supplements").mkdir()
    monkeypatch.setattr(terminology, "VALUESET_DIR", tmp_path)
    terminology.builtin_value_sets.cache_clear()
    try:
        with pytest.raises(ValueSetError, match="no value sets found"):
            terminology.builtin_value_sets()
    finally:
        terminology.builtin_value_sets.cache_clear()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"system": ICD, "code": "M71.29", "source": "CMS", "status": "verified"}, "CMS tabular"),
        ({"system": SCT, "code": "", "source": "IPS", "status": "verified"}, "empty code"),
        ({"system": SCT, "code": "1", "source": "IPS", "status": "maybe"}, "status"),
        ({"system": "sct", "code": "1", "source": "IPS", "status": "verified"}, "URI"),
        ({"system": SCT, "code": "1", "source": "", "status": "verified"}, "empty source"),
        ({"system": "http://x.org/cs", "code": "1", "source": "X", "status": "verified"}, "system"),
    ],
)
def test_malformed_or_unknown_rows_fail(row: dict[str, str], message: str) -> None:
    with pytest.raises(CodelistError, match=message):
        parse_rows([row], origin="t.csv", list_name="calf_pain")


@pytest.mark.parametrize(
    ("sent", "list_name", "matches"),
    [
        ("I82.402", "dvt", True),  # descendant of I82.4
        ("I82402", "dvt", True),  # undotted
        ("i82.4z2", "dvt", True),
        ("I82.90", "dvt", False),  # other venous thrombosis, not lower-limb deep
        ("S86.112A", "muscle_strain", True),  # 7th character descendant of S86.11
        ("C34.12", "active_cancer", True),  # within block C30-C39
        ("Z85.3", "active_cancer", False),  # history, never active
        ("Z85.3", "cancer_history", True),
        ("O22.30", "pregnancy", True),  # chapter 15
        ("I82.49X", "dvt", True),  # not in the tabular: falls back to its prefixes (I82.4)
        ("M71.29", "alternative_bakers_cyst", False),  # invalid; list has M71.20-.22 only
    ],
)
def test_icd_descendants(sent: str, list_name: str, matches: bool) -> None:
    index = load_index()
    found = {e.list_name for e in index.match(ICD10CM, sent)}
    assert (list_name in found) is matches


def test_snomed_and_loinc_match_on_system_and_code() -> None:
    index = load_index()
    assert {e.list_name for e in index.match(LNC, "2157-6")} == {"creatine_kinase"}
    race = "urn:oid:2.16.840.1.113883.6.238"
    assert index.match(race, "2157-6") == ()
    assert index.match(SCT, "2157-6") == ()
    assert index.match(LNC, "300954003") == ()


@pytest.mark.parametrize(
    ("code", "side"),
    [
        ("M79.661", Laterality.RIGHT),
        ("M79.662", Laterality.LEFT),
        ("I82.403", Laterality.BILATERAL),
        ("R22.43", Laterality.BILATERAL),
        ("M79.669", None),
        ("G83.11", Laterality.RIGHT),
    ],
)
def test_icd_laterality(code: str, side: Laterality | None) -> None:
    assert icd_laterality(code) == side


def test_lineage_includes_block_and_chapter() -> None:
    assert "C30-C39" in icd_lineage("C34.12")
    assert icd_lineage("I82402")[0] == "I82.402"


def test_unverified_codes_are_excluded_unless_asked() -> None:
    # 284521000 pitting oedema is "3P single, confirm" (CLINICAL.md 2.1): shipped unverified
    assert not load_index().match(SCT, "284521000")
    assert load_index(None, True).match(SCT, "284521000")
    assert load_index() is load_index()  # cached, not rebuilt per request


def test_local_codes_file_adds_a_code_without_code_changes(tmp_path: Path) -> None:
    path = tmp_path / "local.csv"
    path.write_text(
        "feature,system,code,display,source,status\n"
        "warmth,urn:site:obs,warm-leg,Warm leg,SITE,verified\n"
    )
    from fhir_mappings.extract import MappingOptions

    resource = observation("urn:site:obs", "warm-leg", valueBoolean=True)
    assert run([resource]).get("warmth").unknown
    fs = run([resource], options=MappingOptions(local_codes_file=path))
    assert fs.get("warmth").present


def test_local_file_with_bad_row_fails(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("feature,system,code,display,source,status\nwarmth,urn:x,,d,S,verified\n")
    with pytest.raises(CodelistError):
        load_index(str(path), False)


def test_local_calf_circumference_code_is_shipped() -> None:
    fs = run([observation(LOCAL, "calf-circumference-difference", valueQuantity=qty(3.0, "cm"))])
    assert fs.get("calf_circumference_difference").quantity is not None
