"""The ``replay`` command: golden checks, updates, output and clean errors on bad input."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
import typer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from typer.testing import CliRunner, Result

from cds.fixture_bundle import load_fixture, shift_dates
from cds.replay import register
from cds.replay.golden import golden_path
from cds.replay.transport import JwtSigner
from tests.replay.helpers import FIXTURES

CASE = "dvt-likely-active-cancer"


def run(*args: str) -> Result:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test command group."""

    register(app)
    return CliRunner().invoke(app, ["replay", *args], env={"COLUMNS": "200"})


def copy_case(tmp_path: Path, name: str = CASE) -> Path:
    target = tmp_path / f"{name}.json"
    shutil.copy(FIXTURES / f"{name}.json", target)
    shutil.copy(golden_path(FIXTURES / f"{name}.json"), golden_path(target))
    return target


def assert_clean_error(result: Result, code: int, message: str) -> None:
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_check_passes_on_every_committed_golden() -> None:
    result = run(str(FIXTURES), "--check")
    assert result.exit_code == 0, result.output
    assert "differs" not in result.output


def test_a_tampered_golden_fails_the_check_with_a_diff(tmp_path: Path) -> None:
    fixture = copy_case(tmp_path)
    golden = json.loads(golden_path(fixture).read_text())
    golden["cards"][0]["summary"] = "Tampered summary"
    golden_path(fixture).write_text(json.dumps(golden))
    result = run(str(fixture), "--check")
    assert result.exit_code == 1
    assert '-      "summary": "Tampered summary"' in result.output
    assert "golden differs" in result.output


def test_a_missing_golden_fails_the_check_and_update_writes_it(tmp_path: Path) -> None:
    fixture = copy_case(tmp_path)
    golden_path(fixture).unlink()
    assert run(str(tmp_path), "--check").exit_code == 1
    assert run(str(tmp_path), "--update").exit_code == 0
    assert golden_path(fixture).read_text() == golden_path(FIXTURES / f"{CASE}.json").read_text()
    assert run(str(tmp_path), "--check").exit_code == 0


def test_single_fixture_prints_cards_readably() -> None:
    result = run(str(FIXTURES / f"{CASE}.json"))
    assert result.exit_code == 0, result.output
    for text in ("WARNING", "dvt-likely", "DVT likely", "Wells DVT 2003", "Suggestions"):
        assert text in result.output


def test_folder_prints_a_topic_table() -> None:
    result = run(str(FIXTURES))
    assert result.exit_code == 0
    assert "Replayed fixtures" in result.output
    for topic in ("pe-emergency", "dvt-order-check", "muscle-strain", "(no cards)"):
        assert topic in result.output


def test_json_output_is_the_cds_response() -> None:
    result = run(str(FIXTURES / f"{CASE}.json"), "--json")
    assert result.exit_code == 0
    start = result.output.index("{")
    data = json.loads(result.output[start:])
    assert data["cards"][0]["source"]["topic"]["code"] == "dvt-likely"


def test_now_shifts_every_date_and_keeps_the_decision() -> None:
    result = run(str(FIXTURES / f"{CASE}.json"), "--json", "--now", "2031-07-01T08:00:00Z")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[result.output.index("{") :])
    card = data["cards"][0]
    assert card["source"]["topic"]["code"] == "dvt-likely"
    created = card["suggestions"][0]["actions"][0]["resource"]
    assert created["authoredOn"].startswith("2031-07-01T08:00:00")


def test_shift_dates_moves_dates_datetimes_and_birth_dates() -> None:
    fixture = load_fixture(FIXTURES / f"{CASE}.json")
    later = load_fixture(FIXTURES / f"{CASE}.json", now=fixture.now.replace(year=2030))
    assert later.bundle["timestamp"].startswith("2030-03-14T10:00:00")
    before = {r["id"]: r for r in fixture.resources}
    after = {r["id"]: r for r in later.resources}
    patient = fixture.patient_id
    assert before[patient]["birthDate"] != after[patient]["birthDate"]
    assert shift_dates({"code": "2020-01-01"}, later.now - fixture.now) == {"code": "2020-01-01"}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"resourceType": "Patient", "id": "x"}', "not a FHIR Bundle"),
        ("[1, 2]", "not a FHIR Bundle"),
        (
            '{"resourceType": "Bundle", "type": "collection", "timestamp": "2025-01-01T00:00:00Z",'
            ' "entry": [{"resource": {"resourceType": "Observation", "id": "o"}}]}',
            "no Patient resource",
        ),
        (
            '{"resourceType": "Bundle", "meta": {"extension": [{"url": "https://calf-triage.'
            'example.org/fhir/StructureDefinition/fixture-hook", "valueCode": "encounter-start"}]},'
            ' "type": "collection", "timestamp": "2025-01-01T00:00:00Z", "entry": []}',
            "unknown hook 'encounter-start'",
        ),
        (
            '{"resourceType": "Bundle", "type": "collection", "entry": []}',
            "Bundle.timestamp",
        ),
    ],
    ids=["not-json", "not-bundle", "json-array", "no-patient", "unknown-hook", "no-timestamp"],
)
def test_bad_input_gives_a_clean_error(tmp_path: Path, content: str, message: str) -> None:
    path = _write(tmp_path, "bad.json", content)
    assert_clean_error(run(str(path)), 2, message)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hook", "encounter-start"], "unknown hook 'encounter-start'"),
        (["--now", "yesterday"], "not an ISO 8601"),
        (["--check", "--update"], "cannot be combined"),
        (["--update", "--hook", "order-sign"], "--update writes goldens"),
    ],
)
def test_bad_options_give_a_clean_error(args: list[str], message: str) -> None:
    assert_clean_error(run(str(FIXTURES / f"{CASE}.json"), *args), 2, message)


def test_missing_path_and_order_hook_without_drafts(tmp_path: Path) -> None:
    assert_clean_error(run(str(tmp_path / "nope.json")), 2, "no such file or folder")
    result = run(str(FIXTURES / f"{CASE}.json"), "--hook", "order-sign")
    assert_clean_error(result, 2, "needs draft orders")


def test_signer_makes_es384_tokens_for_the_exact_endpoint(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (tmp_path / "key.pem").write_bytes(pem)
    env = {
        "CDS_REPLAY_JWT_KEY": str(tmp_path / "key.pem"),
        "CDS_REPLAY_JWT_ISS": "ehr",
        "CDS_REPLAY_JWT_KID": "k1",
    }
    signer = JwtSigner.from_env(env)
    assert signer is not None
    audience = "https://cds.example.org/cds-services/calf-pain-patient-view"
    token = signer.token(audience)
    assert jwt.get_unverified_header(token) == {"alg": "ES384", "kid": "k1", "typ": "JWT"}
    claims = jwt.decode(token, key.public_key(), algorithms=["ES384"], audience=audience)
    assert claims["iss"] == "ehr" and claims["exp"] - claims["iat"] == 300 and claims["jti"]
    assert JwtSigner.from_env({}) is None


def test_unreadable_jwt_key_is_a_clean_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        _app(),
        ["replay", str(FIXTURES / f"{CASE}.json"), "--url", "http://127.0.0.1:9"],
        env={"CDS_REPLAY_JWT_KEY": str(tmp_path / "missing.pem")},
    )
    assert_clean_error(result, 2, "CDS_REPLAY_JWT_KEY")


def test_unreachable_service_is_a_clean_error() -> None:
    result = CliRunner().invoke(
        _app(),
        ["replay", str(FIXTURES / f"{CASE}.json"), "--url", "http://127.0.0.1:9"],
        env={"CDS_REPLAY_JWT_KEY": ""},
    )
    assert_clean_error(result, 3, "cannot reach http://127.0.0.1:9")


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test command group."""

    register(app)
    return app


def test_remote_replay_shifts_the_chart_to_the_present() -> None:
    """A running service judges dates by its own clock, so --url replays the chart as of now."""
    import httpx
    import respx

    from cds.services import build_services

    base = "http://cds.test"
    discovery = {
        "services": [
            s.descriptor().model_dump(mode="json", exclude_none=True)
            for s in build_services().values()
        ]
    }
    sent: list[dict[str, object]] = []

    def capture(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json={"cards": []})

    with respx.mock(assert_all_called=True) as mock:
        mock.get(f"{base}/cds-services").respond(200, json=discovery)
        mock.post(f"{base}/cds-services/calf-pain-patient-view").mock(side_effect=capture)
        result = run(str(FIXTURES / f"{CASE}.json"), "--url", base, "--json")
    assert result.exit_code == 0, result.output
    (body,) = sent
    bundle = body["prefetch"]["observations"]  # type: ignore[index]
    times = [
        e["resource"]["effectiveDateTime"]
        for e in bundle["entry"]
        if "effectiveDateTime" in e["resource"]
    ]
    assert times
    newest = max(datetime.fromisoformat(t.replace("Z", "+00:00")) for t in times)
    assert abs(datetime.now(UTC) - newest) < timedelta(days=2)
