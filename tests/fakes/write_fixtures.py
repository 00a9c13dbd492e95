"""Write every case of ``tests/fakes/fixture_cases_*.py`` to ``fixtures/<case>.json``.

An authoring aid only: the committed bundles are the source of truth, and goldens change only
through ``cds-triage replay --update``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.fakes import fixture_cases_dvt, fixture_cases_msk, fixture_cases_red_flags
from tests.fakes.fixture_cases import CASES

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
MODULES = (fixture_cases_red_flags, fixture_cases_dvt, fixture_cases_msk)


def write_all(target: Path = FIXTURES) -> list[Path]:
    written = []
    for name, build in sorted(CASES.items()):
        bundle = build()
        if bundle["id"] != name:
            raise ValueError(f"case {name} built bundle {bundle['id']}")
        path = target / f"{name}.json"
        path.write_text(json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    paths = write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURES)
    sys.stdout.write(f"wrote {len(paths)} fixtures ({len(MODULES)} case modules)\n")
