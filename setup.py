"""Build step: compile the pure-logic modules a request runs through to C with mypyc (issue 7).

Everything else is in pyproject.toml. The modules come from ``[tool.cds-build]`` there. They
are compiled only when ``CDS_COMPILE=1`` (``make`` sets it, and then builds them in place with
``python setup.py build_ext --inplace``); any other build (``pip install .`` in an isolated
environment, ``CDS_COMPILE=0 make ...``) gives the same package as plain Python, which behaves
the same and costs about 20 % more CPU a typical call (bench/README.md).
"""

from __future__ import annotations

import os
import tomllib
from glob import glob
from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).resolve().parent


def compiled_sources() -> list[str]:
    """The source files ``[tool.cds-build]`` names: its include globs minus its excludes."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["cds-build"]

    def matching(patterns: list[str]) -> set[str]:
        return {path for pattern in patterns for path in glob(pattern, root_dir=ROOT)}

    return sorted(matching(config["mypyc-include"]) - matching(config["mypyc-exclude"]))


def ext_modules() -> list[object]:
    if os.environ.get("CDS_COMPILE") != "1":
        return []
    from mypyc.build import mypycify  # mypy's compiler, installed with the dev tools

    # one shared library for all of them (cds/native__mypyc...so, inside a package so that the
    # editable install finds it), beside one small shim library per module
    return list(mypycify(compiled_sources(), opt_level="3", group_name="cds.native"))


if __name__ == "__main__":  # also under pip (setuptools runs this file as __main__)
    setup(ext_modules=ext_modules())
