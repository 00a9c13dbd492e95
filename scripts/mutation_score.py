"""Print the mutation score of the last ``mutmut run`` (``make mutation``), per file and overall.

Reads mutmut's result files under ``mutants/`` (``<source>.py.meta``: one exit code per mutant).
Killed and timed-out mutants count as caught; survivors and mutants no test reaches count as
missed; skipped ones are left out. Survivors are listed by name so ``mutmut show NAME`` can
display each one.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

CAUGHT = frozenset({"killed", "timeout", "caught by type check", "segfault"})
MISSED = frozenset({"survived", "no tests", "suspicious"})


def main(root: Path = Path("mutants")) -> int:
    metas = sorted(root.rglob("*.py.meta"))
    if not metas:
        sys.stderr.write("No mutmut results under mutants/: run `make mutation` first.\n")
        return 1
    total: Counter[str] = Counter()
    survivors: list[str] = []
    for meta in metas:
        exit_codes = json.loads(meta.read_text()).get("exit_code_by_key", {})
        counts = Counter(status_by_exit_code[code] for code in exit_codes.values())
        if not counts:
            continue
        total.update(counts)
        survivors += [
            name for name, code in exit_codes.items() if status_by_exit_code[code] in MISSED
        ]
        name = meta.relative_to(root).with_suffix("")
        sys.stdout.write(f"{_score(counts):6.1f} %  {name}  {dict(counts)}\n")
    sys.stdout.write(f"{_score(total):6.1f} %  all rule modules  {dict(total)}\n")
    for name in sorted(survivors):
        sys.stdout.write(f"  missed: {name}\n")
    return 0


def _score(counts: Counter[str]) -> float:
    caught = sum(counts[s] for s in CAUGHT)
    missed = sum(counts[s] for s in MISSED)
    return 100.0 * caught / (caught + missed) if caught + missed else 0.0


if __name__ == "__main__":
    sys.exit(main())
