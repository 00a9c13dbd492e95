"""Which modules setup.py compiles with mypyc, and whether their built libraries are current.

Used by tests/conftest.py (a stale library stops the run before any test) and test_compiled.py.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parents[2]


def _setup_module(root: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("calf_triage_setup", root / "setup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # not __main__: defines its helpers, builds nothing
    return module


def compiled_sources(root: Path = REPO_ROOT) -> list[str]:
    """The source files (relative to the repository) that ``make`` compiles."""
    return list(_setup_module(root).compiled_sources())


def module_name(source: str) -> str:
    return source.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def libraries_of(source: str, root: Path = REPO_ROOT) -> list[Path]:
    """The built libraries that would be imported instead of ``source``."""
    path = root / source
    stem = path.stem if path.name != "__init__.py" else "__init__"
    return sorted(path.parent.glob(f"{stem}.cpython-*.so"))


def stale_libraries(root: Path = REPO_ROOT) -> list[str]:
    """Libraries older than their source, or than any compiled source for the shared one (an
    edit since the last ``make`` that the libraries would hide: they are imported first)."""
    sources = compiled_sources(root)
    newest = max((root / s).stat().st_mtime for s in sources)
    stale = [
        f"{lib.relative_to(root)} (older than {source})"
        for source in sources
        for lib in libraries_of(source, root)
        if lib.stat().st_mtime < (root / source).stat().st_mtime
    ]
    stale += [
        f"{lib.name} (older than the newest compiled source)"
        for lib in (root / "cds").glob("native__mypyc.cpython-*.so")
        if lib.stat().st_mtime < newest
    ]
    return stale
