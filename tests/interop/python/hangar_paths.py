"""Where the suite finds Hangar's executables and Arrow's gold files.

$HANGAR_BIN_DIR and $HANGAR_TESTDATA_DIR, as the Makefile exports them; run by
hand, build/bin/ of this repository and shared/testdata/ beside it.
"""

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
BIN_DIR = Path(os.environ.get("HANGAR_BIN_DIR") or REPO / "build" / "bin")
TESTDATA_DIR = Path(os.environ.get("HANGAR_TESTDATA_DIR") or REPO.parent / "shared" / "testdata")
HANGAR = BIN_DIR / "hangar"
# The Python package as the build assembles it next to bin/: the extension
# module, python/hangar/*.py and a link to bin/hangar (src/CMakeLists.txt).
PY_PACKAGE_DIR = BIN_DIR.parent / "python"


def run_hangar(*args, timeout=120):
    """Runs a `hangar` client command; returns the CompletedProcess (text)."""
    return subprocess.run([str(HANGAR), *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
