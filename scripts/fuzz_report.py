"""Summaries for scripts/fuzz.

    fuzz_report.py persona NAME OUTCOMES LOG...  cases of a persona's runs and its answers
    fuzz_report.py findings FINDINGS             the INTERNAL / 5xx answers, one per operation
"""

import collections
import json
import re
import sys


def persona(name, outcomes_path, *log_paths):
    cases, details = 0, []
    for log_path in log_paths:
        with open(log_path, encoding="utf-8") as log_file:
            log = log_file.read()
        match = re.search(r"Test cases:\s*\n\s*((\d+) generated[^\n]*)", log)
        if not match:
            sys.exit(f"{name}: no summary of test cases in {log_path}")
        cases += int(match.group(2))
        details.append(match.group(1).strip())
    print(f"{name}: {cases} cases ({'; '.join(details)})")
    with open(outcomes_path, encoding="utf-8") as outcomes:
        tally = collections.Counter(line.split("\t")[0].strip() for line in outcomes)
    print("    answers:", ", ".join(f"{code} {count}" for code, count in tally.most_common()))


def findings(path):
    with open(path, encoding="utf-8") as findings_file:
        found = [json.loads(line) for line in findings_file]
    seen = set()
    for finding in found:
        key = (finding["persona"], finding["operation"], finding["reason"])
        if key in seen:
            continue
        seen.add(key)
        print(f"{finding['persona']}: {finding['operation']}: {finding['reason']}")
        print("  query:", " ".join(finding["query"].split()))
        print("  answer:", finding["response"][:500])
    print(f"{len(found)} answers were INTERNAL or 5xx; details in {path}")


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    {"persona": persona, "findings": findings}[command](*arguments)
