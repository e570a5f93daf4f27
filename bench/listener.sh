#!/usr/bin/env bash
# `make bench` runs this: bench/listener_bench.py in the project's virtual environment,
# after building its raw consumer (bench/listener_raw_consumer.cc) if need be.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$(dirname "${HANGAR_BIN_DIR:-$ROOT/build/bin}")"
cmake --build "$BUILD" --target listener_raw_consumer >/dev/null
exec "$ROOT/third_party/venv/bin/python" "$ROOT/bench/listener_bench.py" "$@"
