"""The synthetic ground-truth table (issues 3 and 4), from the acceptance tests.

Runs the acceptance tests that train BehaVERT once on synthetic mice (session
fixture ``tests/fixtures/synthetic_runs.py``) and check it on held-out
recordings, and reads the numbers they measured (``record_property``, via
pytest's JUnit XML) into the table of docs/benchmarks.md. A failed test is
reported as failed in the table, with the number it measured.

Run: ``python benchmarks/bench_synthetic.py [--write docs/benchmarks.md]``
(there is no smaller variant: the acceptance recipe is the benchmark; about a
minute on an idle 2-core machine).
"""

from __future__ import annotations

import argparse
import ast
import datetime
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks._doc import update_section  # noqa: E402
from benchmarks._machine import cpu_model, version  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
NAME = "bench_synthetic"
HEADING = "## Synthetic ground truth (issues 3 and 4)"
TESTS = (
    "tests/test_integration/test_synthetic_acceptance.py",
    "tests/test_interpret/test_synthetic_ground_truth.py",
)


def run_tests() -> tuple[dict, float, int]:
    """``{test name: {"passed": bool, property: value}}``, seconds, exit code."""
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "junit.xml"
        cmd = [
            sys.executable, "-m", "pytest", *TESTS, "-q", "-p", "no:cacheprovider",
            f"--junitxml={xml}", "-o", "junit_family=xunit1",
        ]  # fmt: skip
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if not xml.exists():
            raise RuntimeError(f"pytest wrote no report:\n{done.stdout[-3000:]}")
        tests = {}
        for case in ET.parse(xml).getroot().iter("testcase"):
            props = {
                p.get("name"): _value(p.get("value")) for p in case.iter("property")
            }
            failed = any(case.find(tag) is not None for tag in ("failure", "error"))
            skipped = case.find("skipped") is not None
            props["passed"] = not failed and not skipped
            tests[case.get("name")] = props
    return tests, seconds, done.returncode


def _value(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def markdown(tests: dict, seconds: float, command: str) -> str:
    def get(test, key, default="not measured"):
        return tests.get(test, {}).get(key, default)

    def verdict(test):
        return "met" if tests.get(test, {}).get("passed") else "**missed**"

    f1 = "test_frame_macro_f1_on_held_out_recordings"
    geno = "test_genotype_accuracy_on_held_out_recordings"
    att = "test_attention_share_is_three_times_frame_share"
    ig = "test_attribution_ranks_nose_to_nose_first"
    motif = "test_final_layer_motifs_match_behaviours"
    firsts = get(ig, "first_groups", [])
    same = (
        f"`{firsts[0]}` in every recording ({len(firsts)})"
        if firsts and len(set(firsts)) == 1
        else ", ".join(f"`{f}`" for f in firsts) or "not measured"
    )
    enrich = get(att, "enrichments", [])
    rows = [
        (
            f"per-frame macro-F1 (7 behaviours, {get(f1, 'frames', '?'):,} frames)",
            f"{get(f1, 'macro_f1', float('nan')):.3f}",
            ">= 0.90",
            verdict(f1),
        ),
        (
            f"genotype accuracy per recording ({get(geno, 'recordings', '?')} "
            "recordings)",
            f"{get(geno, 'accuracy', float('nan')):.3f} (ROC AUC "
            f"{get(geno, 'roc_auc', float('nan')):.3f})",
            ">= 0.90",
            verdict(geno),
        ),
        (
            "attention share on nose_to_nose frames / their share of frames "
            f"(gradient-weighted attention of the `wt` logit, {len(enrich)} "
            "recordings)",
            ", ".join(f"{e:.2f}" for e in enrich) or "not measured",
            ">= 3 each",
            verdict(att),
        ),
        ("integrated gradients: first relation group", same, "first", verdict(ig)),
        (
            "motifs (final layer, k by silhouette) vs behaviour labels: ARI "
            f"({get(motif, 'n_motifs', '?')} motifs)",
            f"{get(motif, 'ari', float('nan')):.3f}",
            ">= 0.5",
            verdict(motif),
        ),
    ]
    lines = [
        f"Command: `{command}` (runs `python -m pytest {' '.join(TESTS)}`) — "
        f"{datetime.date.today()}, {os.cpu_count()} CPUs ({cpu_model()}), torch "
        f"{version('torch')}, {seconds:.0f} s.",
        "",
        "| measure (held-out synthetic recordings) | value | goal | |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows],
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the same run")
    parser.add_argument("--write", type=Path, help="update this markdown file")
    args = parser.parse_args(argv)
    given = sys.argv[1:] if argv is None else list(argv)
    tests, seconds, code = run_tests()
    report = markdown(
        tests, seconds, " ".join(["python benchmarks/bench_synthetic.py", *given])
    )
    print(report)
    if args.write:
        update_section(args.write, NAME, HEADING, report)
    if code not in (0, 1):  # 1: a test failed, which the table shows
        raise SystemExit(f"pytest exited {code}")
    return report


if __name__ == "__main__":
    main()
