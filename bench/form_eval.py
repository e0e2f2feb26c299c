"""Form checking speed: a visit of the bundled household form, and compiling a big form.

    python bench/form_eval.py                     # this checkout only
    python bench/form_eval.py --against main      # also the code of git `main`, alternated with this checkout

1. ``service.visits.answers.evaluate`` on the bundled form, over the 48 answer sets bench/visits.py sends
   (every question type, each relevant branch taken and not): process CPU µs per visit, best of
   ``--repeats`` × ``--rounds`` passes. With ``--against REF`` the code of REF (``git archive``) is measured
   in its own process, alternated with this checkout's (REF, this, REF, this …), and the ratio this ÷ REF is
   printed against the ceiling 1.1.
2. Compiling a form of 300 questions and 100 expressions (relevant, constraint, calculate, choice_filter,
   with ODK's functions): ``load_definition`` (which checks and parses every expression) then
   ``compile_form``, parse caches cleared each time: best ms, against the ceiling 50 ms.

Raw output (JSON) goes to bench/results/form_eval-<time>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
RESULTS = ROOT / "bench" / "results"
VISIT_CEILING = 1.1
COMPILE_CEILING_MS = 50.0

# Run in a fresh process with PYTHONPATH at the code being measured (this checkout or REF's tree).
CHILD = r"""
import json, sys, time
from pathlib import Path
import forms
from service.visits.answers import evaluate
root, rounds, repeats = Path(sys.argv[1]), int(sys.argv[3]), int(sys.argv[4])
variants = json.loads(Path(sys.argv[2]).read_text())
form = root / "forms" / "bundled" / "household_digital_skills_v2.json"
compiled = forms.compile_form(forms.load_definition(form.read_bytes()))
for answers in variants:
    assert not evaluate(compiled, answers).errors, answers
best = float("inf")
for _ in range(repeats):
    started = time.process_time()
    for _ in range(rounds):
        for answers in variants:
            evaluate(compiled, answers)
    best = min(best, (time.process_time() - started) / (rounds * len(variants)) * 1e6)
print(json.dumps({"us_per_visit": best}))
"""


def variants() -> list[dict]:
    from visits import answer_variants  # bench/visits.py: the answer sets the field benchmark sends

    # with the location each request adds
    return [dict(answers, location={"lat": 19.9, "lon": 105.4, "accuracy_m": 8}) for answers in answer_variants()]


def measure(code: Path, answers_file: Path, rounds: int, repeats: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(code), str(answers_file), str(rounds), str(repeats)],
        env=env,
        cwd=code,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"measuring {code} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)["us_per_visit"]


def checkout(ref: str, into: Path) -> Path:
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True).stdout
    tree = into / ref.replace("/", "_")
    tree.mkdir()
    with tempfile.TemporaryFile() as file:
        file.write(archive)
        file.seek(0)
        with tarfile.open(fileobj=file) as tar:
            tar.extractall(tree, filter="data")
    return tree


# --- a big form ---------------------------------------------------------------------------------------------------


def big_form(questions: int = 300, expressions: int = 100) -> dict:
    """300 questions in a cycle integer q, text t, select_multiple s, then one carrying expressions that read the
    q, t and s just before it (a calculate, a relevant, a constraint), until 100 expressions are placed."""
    label = {"vi": "Câu hỏi", "en": "Question"}
    choices = [{"value": f"c{i}", "label": {"vi": f"Phương án {i}", "en": f"Choice {i}"}} for i in range(6)]
    shapes = [
        ("calculation", "if(${q} > 3, concat(${t}, '-', count-selected(${s})), substr(${t}, 0, 2))"),
        ("constraint", ". <= ${q} * 2 + round(${q} div 3, 1) and string-length(${t}) < 40"),
        ("relevant", "coalesce(${t}, 'x') = 'x' or date(today() - ${q}) > '2026-01-01' or regex(${t}, '[a-z]+')"),
        ("constraint", ". >= min(${q}, 3) and not(selected(${s}, 'c0') and count-selected(${s}) > 1)"),
    ]
    items: list[dict] = []
    used = 0
    for index in range(questions):
        step = index % 4
        if step < 3:
            kind, letter = (("integer", "q"), ("text", "t"), ("select_multiple", "s"))[step]
            item: dict = {"type": kind, "name": f"{letter}{index}", "label": label}
            if kind == "select_multiple":
                item["choices"] = choices
            items.append(item)
            continue
        refs = {"${q}": f"${{q{index - 3}}}", "${t}": f"${{t{index - 2}}}", "${s}": f"${{s{index - 1}}}"}
        column, pattern = shapes[(index // 4) % len(shapes)]
        for ref, name in refs.items():
            pattern = pattern.replace(ref, name)
        if used >= expressions:
            items.append({"type": "integer", "name": f"n{index}", "label": label})
        elif column == "calculation":
            items.append({"type": "calculate", "name": f"c{index}", "calculation": pattern})
            used += 1
        else:
            item = {"type": "integer", "name": f"n{index}", "label": label, column: pattern}
            used += 1
            if used < expressions and column == "constraint":
                item["relevant"] = f"{refs['${q}']} > {index % 7} or selected({refs['${s}']}, 'c2')"
                used += 1
            items.append(item)
    return {"id": "big-form", "version": "1", "title": label, "questions": items}


def compile_ms(definition: bytes, repeats: int = 15) -> float:
    import forms
    from forms.expr import parse, parse_choice_filter

    best = float("inf")
    for _ in range(repeats):
        parse.cache_clear()
        parse_choice_filter.cache_clear()
        started = time.process_time()
        forms.compile_form(forms.load_definition(definition))
        best = min(best, (time.process_time() - started) * 1000)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", help="a git ref to measure alternately with this checkout (e.g. main)")
    parser.add_argument("--rounds", type=int, default=60, help="passes over the 48 answer sets per timing")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--alternations", type=int, default=4)
    args = parser.parse_args()
    answer_sets = variants()
    result: dict = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "answer_sets": len(answer_sets)}

    this: list[float] = []
    base: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        ref_tree = checkout(args.against, Path(tmp)) if args.against else None
        answers_file = Path(tmp) / "answers.json"
        answers_file.write_text(json.dumps(answer_sets))
        for _ in range(args.alternations if ref_tree else 1):
            if ref_tree is not None:
                base.append(measure(ref_tree, answers_file, args.rounds, args.repeats))
            this.append(measure(ROOT, answers_file, args.rounds, args.repeats))
    result["visit_us_this"] = this
    print(f"visit check, this checkout     {min(this):7.1f} µs/visit (best of {len(this)} processes)")
    if base:
        ratio = min(this) / min(base)
        result.update(visit_us_base=base, against=args.against, visit_ratio=ratio, visit_ceiling=VISIT_CEILING)
        print(f"visit check, {args.against:<18} {min(base):7.1f} µs/visit")
        verdict = "ok" if ratio <= VISIT_CEILING else "OVER"
        print(f"ratio this / {args.against}: {ratio:.3f}  (ceiling {VISIT_CEILING}) {verdict}")

    definition = json.dumps(big_form()).encode()
    form = json.loads(definition)
    expressions = sum(
        1 for q in form["questions"] for key in ("relevant", "constraint", "calculation", "choice_filter") if key in q
    )
    milliseconds = compile_ms(definition)
    result.update(compile_questions=len(form["questions"]), compile_expressions=expressions, compile_ms=milliseconds)
    print(
        f"compile {len(form['questions'])} questions / {expressions} expressions: {milliseconds:.1f} ms"
        f"  ratio to ceiling {milliseconds / COMPILE_CEILING_MS:.2f} (ceiling {COMPILE_CEILING_MS:.0f} ms)"
    )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"form_eval-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"raw: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
