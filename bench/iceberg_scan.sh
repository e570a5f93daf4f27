#!/usr/bin/env bash
# `make bench` runs this: bench/iceberg_scan.py in the project's virtual environment.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$ROOT/third_party/venv/bin/python" "$ROOT/bench/iceberg_scan.py" "$@"
