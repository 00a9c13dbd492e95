"""Each number a summary quotes is the named threshold the triage uses (one place of truth)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cards import summaries
from cds.triage import thresholds as t

SCAN = f"{t.SCAN_WITHIN_HOURS} h"
DDIMER = f"{t.DDIMER_WITHIN_HOURS} h"

CASES: list[tuple[str, Callable[[], str], list[str]]] = [
    ("cauda equina MRI", lambda: summaries.cauda_equina("x"), [f"{t.CES_MRI_WITHIN_HOURS} h"]),
    ("sudden swelling", lambda: summaries.sudden_swelling("x", "1"), [SCAN]),
    ("dvt likely", lambda: summaries.dvt_likely("3"), [SCAN]),
    ("dvt likely, alternative", lambda: summaries.dvt_likely_alternative("2", "0"), [SCAN]),
    ("d-dimer needed", lambda: summaries.ddimer_needed("0"), [DDIMER]),
    (
        "undetermined",
        lambda: summaries.ddimer_needed_undetermined("0–5", 5),
        [f"≤ {t.WELLS_LIKELY_MIN - 1}", f"≥ {t.WELLS_LIKELY_MIN}"],
    ),
    ("d-dimer positive", lambda: summaries.ddimer_positive("600 ng/mL FEU", "0"), [SCAN]),
    (
        "negative, undetermined",
        lambda: summaries.ddimer_negative_undetermined("0–2", 2),
        [f"≥ {t.WELLS_LIKELY_MIN}"],
    ),
    ("muscle strain RICE", summaries.muscle_strain, [f"{t.RICE_HOURS} h"]),
    ("under 18", lambda: summaries.outside_age(16), [f"under {t.NG158_MIN_AGE}"]),
]


@pytest.mark.parametrize(("name", "make", "quoted"), CASES, ids=[c[0] for c in CASES])
def test_summary_quotes_the_named_threshold(
    name: str, make: Callable[[], str], quoted: list[str]
) -> None:
    text = make()
    for value in quoted:
        assert value in text, f"{name}: {text!r} should quote {value!r}"
