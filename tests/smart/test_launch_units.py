"""Small pieces of the launch: scopes, the write check, which iss may launch, appContext."""

from __future__ import annotations

from pathlib import Path

import pytest

from cds.settings import TrustedClient
from cds.smart.launch import LaunchError, caller_for, can_write, requested_scopes
from cds.smart.link import assessment_link, read_app_context, wells_pe_links
from cds.triage.wells_pe import PeItem, WellsPe
from fhir_mappings.features import State
from tests.conftest import make_settings


def test_scopes_ask_for_write_only_when_the_site_allows_it(tmp_path: Path) -> None:
    base = "launch openid fhirUser patient/Patient.r patient/Condition.rs patient/Observation.rs"
    assert requested_scopes(make_settings(tmp_path)) == base
    allowed = make_settings(tmp_path, smart_write_back=True)
    assert requested_scopes(allowed) == base + " patient/Observation.c"


@pytest.mark.parametrize(
    ("scopes", "writes"),
    [
        ({"patient/Observation.c"}, True),
        ({"patient/Observation.cruds"}, True),
        ({"patient/Observation.write"}, True),
        ({"patient/Observation.*"}, True),
        ({"patient/Observation.rs"}, False),
        ({"patient/Condition.c"}, False),
        ({"patient/Observation.rs", "patient/Patient.r"}, False),
        (set(), False),
    ],
)
def test_can_write(scopes: set[str], writes: bool) -> None:
    assert can_write(frozenset(scopes)) is writes


def test_iss_must_be_a_registered_fhir_server(tmp_path: Path) -> None:
    off = make_settings(tmp_path, fhir_allowlist=["https://ehr.example.org/fhir"])
    assert caller_for("https://ehr.example.org/fhir", off) is None
    for bad in ("https://ehr.example.org.evil.test/fhir", "https://ehr.example.org/fhir-admin"):
        with pytest.raises(LaunchError, match="not registered"):
            caller_for(bad, off)
    with pytest.raises(LaunchError, match="unusable"):
        caller_for("file:///etc/passwd", off)
    client = TrustedClient(
        iss="https://ehr.example.org", fhir_servers=["https://ehr.example.org/fhir"]
    )
    on = make_settings(tmp_path, auth="on", trusted_clients=[client])
    caller = caller_for("https://ehr.example.org/fhir", on)
    assert caller is not None and caller.client is client
    with pytest.raises(LaunchError):
        caller_for("https://other.example.org/fhir", on)


def test_app_context_round_trip_and_garbage() -> None:
    link = assessment_link(
        "https://cds.example.org/app/launch",
        card="dvt-ddimer",
        leg="right",
        undocumented=["pitting_oedema"],
    )
    assert link is not None and link.type == "smart"
    context = read_app_context(link.appContext)
    assert (context.card, context.leg, context.undocumented) == (
        "dvt-ddimer",
        "right",
        ("pitting_oedema",),
    )
    for garbage in (None, "", "{", "[]", '{"leg": "up", "undocumented": "x"}', "x" * 5000):
        assert read_app_context(garbage).undocumented == ()
    assert assessment_link(None, card="c", leg=None, undocumented=["x"]) is None
    assert assessment_link("https://a/app/launch", card="c", leg=None, undocumented=[]) is None


def _pe(dvt_signs: State, pe_most_likely: State, heart_rate: State) -> WellsPe:
    return WellsPe(
        (
            PeItem("dvt_signs", 3.0, dvt_signs, ""),
            PeItem("pe_most_likely", 3.0, pe_most_likely, ""),
            PeItem("heart_rate", 1.5, heart_rate, ""),
        )
    )


def test_pe_card_links_when_the_dvt_signs_could_move_an_undetermined_wells_pe(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, public_url="https://cds.example.org")
    undetermined = _pe(State.UNKNOWN, State.UNKNOWN, State.PRESENT)
    (link,) = wells_pe_links(settings, "pe-emergency", undetermined, None)
    assert link.url == "https://cds.example.org/app/launch"
    context = read_app_context(link.appContext)
    assert context.card == "pe-emergency"
    assert set(context.undocumented) == {
        "deep_vein_tenderness",
        "entire_leg_swollen",
        "calf_swelling",
        "pitting_oedema",
    }
    signs_known = _pe(State.ABSENT, State.UNKNOWN, State.PRESENT)
    assert wells_pe_links(settings, "pe-emergency", signs_known, None) == []
    likely = _pe(State.UNKNOWN, State.PRESENT, State.PRESENT)  # 4.5 documented: decided
    assert wells_pe_links(settings, "pe-emergency", likely, None) == []
