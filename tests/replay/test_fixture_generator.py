"""The authoring aid in tests/fakes must reproduce the committed bundles exactly.

The committed JSON is the source of truth; this keeps the generator from drifting away from it,
so regenerating never silently rewrites a reviewed case.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.fakes.write_fixtures import FIXTURES, write_all


def test_generator_reproduces_every_committed_bundle(tmp_path: Path) -> None:
    written = write_all(tmp_path)
    committed = sorted(p.name for p in FIXTURES.glob("*.json") if ".expected" not in p.name)
    assert sorted(p.name for p in written) == committed
    for path in written:
        assert json.loads(path.read_text()) == json.loads((FIXTURES / path.name).read_text()), (
            path.name
        )
