"""The benchmark's verdicts (bench/targets.py): what decides target 1, and that it can fail."""

from __future__ import annotations

from bench.targets import Result, check_targets


def run(app: str, rps: float, *, request: str = "typical", c: int = 16, errors: int = 0) -> Result:
    return Result(app, request, c, rps, 10.0, 20.0, 10.0, errors)


def target_1(lines: list[str]) -> str:
    return next(line for line in lines if line.startswith("1."))


def test_without_paired_rounds_the_single_run_decides() -> None:
    lines = check_targets([run("walk", 1000), run("service", 390)], [16], 50)
    assert "0.39" in target_1(lines) and target_1(lines).endswith("NOT MET")


def test_paired_rounds_decide_by_their_median_and_the_single_run_is_shown() -> None:
    single = [run("walk", 1400), run("service", 490)]  # 0.35: a slow minute for the service
    pairs = [
        (run("walk", 1300), run("service", 680)),  # 0.52
        (run("walk", 1250), run("service", 650)),  # 0.52
        (run("walk", 1300), run("service", 455)),  # 0.35
    ]
    line = target_1(check_targets(single, [16], 50, pairs))
    assert "median of 3 paired rounds 0.52" in line
    assert "single run 0.35" in line
    assert line.endswith("-> MET")


def test_a_median_below_the_target_or_an_error_in_a_round_is_not_met() -> None:
    below = [(run("walk", 1000), run("service", 390))] * 3
    assert target_1(check_targets([], [16], 50, below)).endswith("NOT MET")
    failing = [(run("walk", 1000), run("service", 600, errors=3))] * 3
    assert target_1(check_targets([], [16], 50, failing)).endswith("NOT MET")
