#!/usr/bin/env python3
"""Fails a test run that skipped a test nobody agreed to skip.

Every runner `make test` uses writes a JUnit XML report (CTest, node's test
runner, pytest, Maven Surefire). A skipped test passes in all of them, so a
suite whose set-up quietly broke (a missing tool, an environment without root)
would go green while testing nothing. This script reads the reports and
compares each skipped test with the reviewed allow-list `.ci/allowed-skips`:

    <runner> <test name glob> <reason ...>

A skip that no line allows fails the run when CI=true (a warning elsewhere: a
developer's machine may lack what CI has). The allowed skips that happened are
printed at the end either way, so the list stays visible and reviewed.
An expected failure (pytest.xfail) counts as a skip: it hides a test too.
A report that is missing fails too: the suite that should have written it did
not run.

Usage: check_skips.py ALLOW_LIST RUNNER=REPORT [RUNNER=REPORT ...]
       (REPORT may be a directory: every *.xml in it is read.)
"""

from __future__ import annotations

import fnmatch
import os
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Skip:
    runner: str
    name: str
    message: str


@dataclass(frozen=True)
class Allowance:
    runner: str
    pattern: str
    reason: str
    line: int


def read_allow_list(path: Path) -> list[Allowance]:
    allowances = []
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split(None, 2)
        if len(fields) < 3:
            raise ValueError(f"{path}:{number}: want '<runner> <test glob> <reason>', got {raw!r}")
        allowances.append(Allowance(fields[0], fields[1], fields[2], number))
    return allowances


def test_name(case: ET.Element) -> str:
    # CTest and node put the whole name in `name`; pytest and Surefire split it
    # into `classname` and `name`.
    name = case.get("name", "")
    classname = case.get("classname", "")
    if classname and classname not in ("test", "ctest") and not name.startswith(classname):
        return f"{classname}.{name}"
    return name


def skip_message(case: ET.Element, skipped: ET.Element) -> str:
    message = skipped.get("message") or (skipped.text or "").strip()
    if message != "SKIP_REGULAR_EXPRESSION_MATCHED":
        return message
    # CTest says only that GoogleTest's "[  SKIPPED ]" matched; GoogleTest
    # printed the test's own reason on the lines after "...: Skipped".
    output = (case.findtext("system-out") or "").splitlines()
    for index, line in enumerate(output):
        if line.rstrip().endswith(": Skipped"):
            return output[index + 1].strip() if index + 1 < len(output) else message
    return message


def skips_in(runner: str, report: Path) -> list[Skip]:
    files = sorted(report.glob("*.xml")) if report.is_dir() else [report]
    if not files:
        raise FileNotFoundError(f"{runner}: no report in {report} (did the suite run?)")
    skips = []
    for file in files:
        for case in ET.parse(file).getroot().iter("testcase"):
            skipped = case.find("skipped")
            # CTest marks a test it did not run (a DISABLED property, a
            # missing fixture) as skipped too, with status="notrun".
            if skipped is None and case.get("status") in ("notrun", "disabled"):
                skipped = case
            if skipped is not None:
                message = skip_message(case, skipped)
                skips.append(Skip(runner, test_name(case), " ".join(message.split())[:200]))
    return skips


def allowance_for(skip: Skip, allowances: list[Allowance]) -> Allowance | None:
    for allowance in allowances:
        if allowance.runner == skip.runner and fnmatch.fnmatchcase(skip.name, allowance.pattern):
            return allowance
    return None


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__.split("Usage:")[1].strip(), file=sys.stderr)
        return 2
    allowances = read_allow_list(Path(argv[1]))
    strict = os.environ.get("CI", "").lower() in ("1", "true", "yes")

    skips: list[Skip] = []
    try:
        for argument in argv[2:]:
            runner, _, report = argument.partition("=")
            skips += skips_in(runner, Path(report))
    except (OSError, ET.ParseError) as error:
        print(f"check-skips: {error}", file=sys.stderr)
        return 1

    allowed = [(s, a) for s in skips if (a := allowance_for(s, allowances))]
    unexpected = [s for s in skips if not allowance_for(s, allowances)]

    print(f"check-skips: {len(skips)} skipped test(s), {len(allowed)} on the allow-list "
          f"({argv[1]})")
    for skip, allowance in allowed:
        print(f"  allowed  {skip.runner:7} {skip.name}: {allowance.reason} "
              f"(line {allowance.line}; said: {skip.message or 'no message'})")
    for skip in unexpected:
        print(f"  UNEXPECTED {skip.runner:7} {skip.name}: {skip.message or 'no message'}")
    if unexpected:
        verdict = "fails the run (CI=true)" if strict else "would fail CI"
        print(f"check-skips: {len(unexpected)} skip(s) not on the allow-list; {verdict}")
        return 1 if strict else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
