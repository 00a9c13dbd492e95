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
import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import make_settings, running_app

from .native import REPO_ROOT, compiled_sources, module_name, stale_libraries


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


def test_a_library_older_than_its_source_is_reported(tmp_path: Path) -> None:
    """On a copy of the build's configuration (never touching this checkout's libraries)."""
    for name in ("setup.py", "pyproject.toml"):
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    source = tmp_path / "cds" / "triage" / "wells.py"
    source.parent.mkdir(parents=True)
    source.write_text("")
    library = source.with_name("wells.cpython-311-x86_64-linux-gnu.so")
    shared = tmp_path / "cds" / "native__mypyc.cpython-311-x86_64-linux-gnu.so"
    for built in (library, shared):
        built.write_bytes(b"")
    assert compiled_sources(tmp_path) == ["cds/triage/wells.py"]
    assert stale_libraries(tmp_path) == []
    older = time.time() - 3600
    os.utime(library, (older, older))
    os.utime(shared, (older, older))
    assert stale_libraries(tmp_path) == [
        "cds/triage/wells.cpython-311-x86_64-linux-gnu.so (older than cds/triage/wells.py)",
        f"{shared.name} (older than the newest compiled source)",
    ]


def test_this_checkout_has_no_stale_library() -> None:
    assert stale_libraries() == []


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
