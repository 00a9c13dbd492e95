"""Print the mutation score of the last ``mutmut run`` (``make mutation``), per file and overall.

Reads mutmut's result files under ``mutants/`` (``<source>.py.meta``: one exit code per mutant).
Killed and timed-out mutants count as caught; survivors and mutants no test reaches count as
missed; skipped ones, and modules a filtered run (``make mutation MUTANTS=...``) left out, are not
counted. Survivors are listed by name so ``mutmut show NAME`` can display each one. Each module's
line ends with the time its mutants' test runs took (summed; ``make mutation`` runs two at once).

Mutants of a function the module calls at import time (``UNREACHABLE``) cannot be seen by any
test: mutmut imports the module once, before it chooses the mutant to run. They are counted
apart and listed with the reason, not as missed.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

CAUGHT = frozenset({"killed", "timeout", "caught by type check", "segfault"})
MISSED = frozenset({"survived", "no tests", "suspicious"})
# Function (mutmut's mangled name) -> why its mutants cannot be killed by a test.
UNREACHABLE = {
    "cds.triage.wells.x__format_label": "Wells labels are formatted once, at import",
}


def main(root: Path = Path("mutants")) -> int:
    metas = sorted(root.rglob("*.py.meta"))
    if not metas:
        sys.stderr.write("No mutmut results under mutants/: run `make mutation` first.\n")
        return 1
    total: Counter[str] = Counter()
    survivors: list[str] = []
    unreachable: Counter[str] = Counter()
    for meta in metas:
        results = json.loads(meta.read_text())
        exit_codes = results.get("exit_code_by_key", {})
        durations = results.get("durations_by_key", {})
        counts: Counter[str] = Counter()
        seconds = 0.0
        for mutant, code in exit_codes.items():
            status = status_by_exit_code[code]
            function = mutant.rsplit("__mutmut_", 1)[0]
            if status in MISSED and function in UNREACHABLE:
                unreachable[function] += 1
                continue
            counts[status] += 1
            seconds += durations.get(mutant, 0.0)
            if status in MISSED:
                survivors.append(mutant)
        if not sum(counts[status] for status in CAUGHT | MISSED):
            continue  # not run (filtered out) or nothing to mutate
        total.update(counts)
        name = meta.relative_to(root).with_suffix("")
        sys.stdout.write(f"{_score(counts):6.1f} %  {name}  {dict(counts)}  {seconds:.0f} s\n")
    sys.stdout.write(f"{_score(total):6.1f} %  all modules run  {dict(total)}\n")
    for function, count in sorted(unreachable.items()):
        sys.stdout.write(f"  not counted: {count} of {function}: {UNREACHABLE[function]}\n")
    for mutant in sorted(survivors):
        sys.stdout.write(f"  missed: {mutant}\n")
    return 0


def _score(counts: Counter[str]) -> float:
    caught = sum(counts[s] for s in CAUGHT)
    missed = sum(counts[s] for s in MISSED)
    return 100.0 * caught / (caught + missed) if caught + missed else 0.0


if __name__ == "__main__":
    sys.exit(main())
