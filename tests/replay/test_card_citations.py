"""Cards cite sources a clinician can resolve: never this project's internal source keys.

The keys ``S1a`` … ``S40`` index the source table of docs/clinical-basis.md, a developer
document; code comments and docstrings use them, cards name the source instead ("NICE NG59",
"BNF"). Every string of every golden (summary, detail, labels, override reasons, draft orders) is
searched, and every string literal of the rules and card builders, for the cards no fixture shows.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.replay.helpers import CASES, REPO_ROOT, case_id, golden

# A key such as S2, S17a, S15a-c or S18a/S18b; not an ICD-10 code (S86.11) nor a longer token
# such as S256 or CDS.
INTERNAL_KEY = re.compile(r"(?<![\w.])S\d{1,2}[a-z]?\b(?!\.\d)")


def strings(value: Any) -> Iterator[str]:
    """Every string inside a golden, keys excluded."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def keys_cited(text: str) -> list[str]:
    """Each internal key in a text, with a little of the words around it."""
    return [text[max(m.start() - 40, 0) : m.end() + 10] for m in INTERNAL_KEY.finditer(text)]


@pytest.mark.parametrize(
    "text",
    [
        "orthopaedic assessment (S17a).",
        "NICE NG158 does not cover pregnancy (S3b, S27): no Wells score",
        "pressure measurement now (S15a-c).",
        "age-adjusted (72 × 10 FEU, S18a/S18b)",
        "manual therapy only alongside exercise (NICE NG59, S17d, S17e).",
        "(the D-dimer rises in normal pregnancy; S28).",
        "Calf muscle injury leaflet (S17a)",
    ],
)
def test_an_internal_key_is_found(text: str) -> None:
    assert keys_cited(text)


@pytest.mark.parametrize(
    "text",
    [
        "Sprain of calf muscle (ICD-10-CM S86.11, Condition/c1)",
        "PKCE S256 challenge",
        "NICE NG158 and QS201; CDS Hooks 2.0",
        "SpO2 93%; RCOG Green-top 37b; Schouten, BMJ 2013",
    ],
)
def test_readable_citations_and_codes_are_not_keys(text: str) -> None:
    assert keys_cited(text) == []


@pytest.mark.parametrize("path", CASES, ids=case_id)
def test_golden_cards_cite_no_internal_source_key(path: Path) -> None:
    expected = golden(path)
    assert expected is not None
    found = [hit for text in strings(expected) for hit in keys_cited(text)]
    assert found == []


def literals(source: str) -> Iterator[str]:
    """The string literals of Python source, docstrings and comments excluded."""
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING and not token.string.lstrip("rbfuRBFU").startswith(
            ('"""', "'''")
        ):
            yield token.string


CARD_CODE = sorted(
    [*(REPO_ROOT / "cds" / "triage").rglob("*.py"), *(REPO_ROOT / "cards").glob("*.py")]
)


def test_literals_skip_comments_and_docstrings() -> None:
    source = '"""Docstring (S17a)."""\nX = "shown (S17a)"  # comment (S17a)\n'
    assert [hit for text in literals(source) for hit in keys_cited(text)] == ['"shown (S17a)"']


@pytest.mark.parametrize("path", CARD_CODE, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_card_code_strings_cite_no_internal_source_key(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    found = [hit for text in literals(source) for hit in keys_cited(text)]
    assert found == []
