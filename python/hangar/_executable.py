"""Where the `hangar` executable of this package is, and running it.

The wheel carries it as hangar/bin/hangar (with the DuckDB library it loads
in hangar/lib/); a build tree links it at the same place (build/python/hangar/bin).
"""

import os
import sys
from pathlib import Path


def path():
    """The `hangar` executable's path."""
    exe = Path(__file__).resolve().parent / "bin" / "hangar"
    if not os.access(exe, os.X_OK):
        raise FileNotFoundError(f"the hangar executable is missing from the package: {exe}")
    return exe


def main(argv=None):
    """Runs `hangar ARGS` in place of this process (the console script `hangar`)."""
    args = sys.argv[1:] if argv is None else list(argv)
    exe = str(path())
    os.execv(exe, [exe, *args])
