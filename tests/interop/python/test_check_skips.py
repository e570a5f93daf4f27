"""scripts/check_skips.py, which fails CI on a skip nobody agreed to: fed JUnit reports of each runner's shape."""

import os
import subprocess
import sys

from hangar_paths import REPO

CHECK = REPO / "scripts" / "check_skips.py"

CTEST = """<testsuite><testcase name="A.Runs" classname="A.Runs" status="run"/>
<testcase name="A.Skips" classname="A.Skips" status="notrun"><skipped message="SKIP_REGULAR_EXPRESSION_MATCHED"/>
<system-out>x.cc:3: Skipped
needs a tool
[  SKIPPED ] A.Skips</system-out></testcase></testsuite>"""
PYTEST = """<testsuites><testsuite><testcase classname="test_x" name="test_y[1]">
<skipped type="pytest.skip" message="no network">why</skipped></testcase></testsuite></testsuites>"""


def run(tmp_path, allow, *reports, ci=True):
    allow_list = tmp_path / "allowed"
    allow_list.write_text(allow)
    env = dict(os.environ, CI="true" if ci else "")
    return subprocess.run([sys.executable, str(CHECK), str(allow_list), *reports],
                          capture_output=True, text=True, env=env, timeout=60)


def test_an_unlisted_skip_fails_in_ci_and_names_the_test_and_its_reason(tmp_path):
    (tmp_path / "ctest.xml").write_text(CTEST)
    done = run(tmp_path, "", f"ctest={tmp_path / 'ctest.xml'}")
    assert done.returncode == 1, done.stdout
    assert "UNEXPECTED ctest   A.Skips: needs a tool" in done.stdout


def test_outside_ci_an_unlisted_skip_only_warns(tmp_path):
    (tmp_path / "ctest.xml").write_text(CTEST)
    done = run(tmp_path, "", f"ctest={tmp_path / 'ctest.xml'}", ci=False)
    assert done.returncode == 0 and "would fail CI" in done.stdout


def test_a_listed_skip_passes_and_is_printed_with_its_reason(tmp_path):
    (tmp_path / "ctest.xml").write_text(CTEST)
    (tmp_path / "pytest.xml").write_text(PYTEST)
    done = run(tmp_path, "ctest A.* reviewed: the tool is optional\npytest test_x.test_y* no network in CI\n",
               f"ctest={tmp_path / 'ctest.xml'}", f"pytest={tmp_path / 'pytest.xml'}")
    assert done.returncode == 0, done.stdout
    assert "allowed  ctest   A.Skips: reviewed: the tool is optional" in done.stdout
    assert "allowed  pytest  test_x.test_y[1]: no network in CI" in done.stdout


def test_a_listed_skip_of_another_runner_does_not_count(tmp_path):
    (tmp_path / "pytest.xml").write_text(PYTEST)
    done = run(tmp_path, "ctest test_x.test_y* wrong runner\n", f"pytest={tmp_path / 'pytest.xml'}")
    assert done.returncode == 1 and "UNEXPECTED pytest" in done.stdout


def test_a_missing_report_fails_even_outside_ci(tmp_path):
    done = run(tmp_path, "", f"node={tmp_path / 'node.xml'}", ci=False)
    assert done.returncode == 1 and "node.xml" in done.stderr
