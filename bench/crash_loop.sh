#!/usr/bin/env bash
# The long crash loop: the server killed with SIGKILL at random moments while
# keyed batches stream in at `disk`, restarted, checked (every acknowledged
# batch exactly once, none in part), and the unacknowledged batches sent again
# with their keys; at the end every batch is there exactly once. CI runs the
# same test with 6 kills; this runs ROUNDS (default 30).
#
#   bench/crash_loop.sh [ROUNDS] [SEED]      (from the repository root, after make build)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export HANGAR_CRASH_ROUNDS="${1:-30}"
[ $# -ge 2 ] && export HANGAR_CRASH_SEED="$2"
exec build/bin/server_tests --gtest_filter='IngestRpc.ServerKilledAtRandomMomentsLosesNothingAckedAndKeyedRetriesWriteOnce'
