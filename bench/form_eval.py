"""Microbenchmark: µs per `service.visits.answers.evaluate` on the bundled household form.

    python bench/form_eval.py [--rounds 20000]

Uses the answer set of bench/visits.py (imported from it), with the location it sends.
Also prints `forms.validate_answers` and `forms.score` for context. Pure CPU, one thread.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from visits import ANSWERS as VISIT_ANSWERS

import forms
from service.visits.answers import evaluate

FORM = Path(__file__).resolve().parent.parent / "forms" / "bundled" / "household_digital_skills_v2.json"

# The answers bench/visits.py sends, with the location it adds per request.
ANSWERS = {**VISIT_ANSWERS, "location": {"lat": 19.8, "lon": 105.77, "accuracy_m": 8}}


def per_call_us(function, rounds: int, repeats: int = 9) -> float:
    """The best of `repeats` timings of `rounds` calls, in µs per call (least disturbed by other load)."""
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(rounds):
            function()
        timings.append((time.perf_counter() - started) / rounds * 1e6)
    return min(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20000)
    args = parser.parse_args()
    definition = forms.load_definition(FORM.read_bytes())
    compiled = forms.compile_form(definition)
    result = evaluate(compiled, ANSWERS)
    assert not result.errors, result.errors
    print(f"bundled form: level {result.level}, {len(result.errors)} errors")
    for name, function in (
        ("service.visits.answers.evaluate", lambda: evaluate(compiled, ANSWERS)),
        ("forms.validate_answers", lambda: forms.validate_answers(compiled, ANSWERS)),
        ("forms.score", lambda: forms.score(compiled, ANSWERS)),
    ):
        function()
        print(f"{name:<34} {per_call_us(function, args.rounds):7.1f} µs/call")
    return 0


if __name__ == "__main__":
    sys.exit(main())
