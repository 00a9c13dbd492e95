"""The modules pyproject.toml's [tool.cds-build] names run compiled (mypyc) under ``make``.

``make test`` builds them (CDS_COMPILE=1, the default) and says so in CDS_EXPECT_COMPILED, so the
suite checks what the service runs; ``CDS_COMPILE=0 make test`` runs the same suite on plain
Python. Run by hand (pytest without make), this check is skipped; a stale library still stops the
run (tests/conftest.py).
"""

from __future__ import annotations

import importlib
import logging
import os
import time
from pathlib import Path

import pytest

from tests.conftest import make_settings, running_app

from .native import compiled_sources, libraries_of, module_name, stale_libraries


def test_the_build_names_the_hot_modules_and_leaves_out_the_pydantic_ones() -> None:
    sources = compiled_sources()
    for hot in ("fhir_mappings/extract.py", "cds/prefetch.py", "cds/triage/wells.py"):
        assert hot in sources
    left_out = ("fhir_mappings/read_models.py", "cards/models.py", "cds/app.py")
    for excluded in (*left_out, "fhir_mappings/__init__.py", "cds/triage/__init__.py"):
        assert excluded not in sources


@pytest.mark.parametrize("source", compiled_sources())
def test_each_named_module_is_compiled_exactly_when_the_build_says(source: str) -> None:
    expected = os.environ.get("CDS_EXPECT_COMPILED")
    if expected not in {"0", "1"}:
        pytest.skip("run through make: CDS_EXPECT_COMPILED says whether modules were compiled")
    module = importlib.import_module(module_name(source))
    assert str(module.__file__).endswith(".so") is (expected == "1"), module.__file__


def test_a_library_older_than_its_source_is_reported() -> None:
    source = "cds/triage/wells.py"
    libraries = libraries_of(source)
    if not libraries:
        pytest.skip("not compiled in this checkout (CDS_COMPILE=0)")
    library = libraries[0]
    before = library.stat()
    try:
        older = time.time() - 3600 * 24 * 365
        os.utime(library, (older, older))
        assert any(str(library.name) in line for line in stale_libraries())
    finally:
        os.utime(library, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert not stale_libraries()


async def test_the_start_up_log_says_how_many_modules_run_compiled(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from cds.app import native_modules

    expected = os.environ.get("CDS_EXPECT_COMPILED")
    with caplog.at_level(logging.INFO, logger="cds"):
        async with running_app(make_settings(tmp_path)):
            pass
    (ready,) = [r for r in caplog.records if r.getMessage() == "ready"]
    compiled = getattr(ready, "compiled", None)
    assert compiled == len(native_modules())
    if expected == "1":
        assert compiled == len(compiled_sources())
    elif expected == "0":
        assert compiled == 0
