#!/usr/bin/env bash
# The README's tour, run as a newcomer would: every command of the sh blocks
# between <!-- tour:begin --> and <!-- tour:end --> against a fresh
# `hangar serve --dev-kafka`, in order, from a scratch directory where
# build/bin is the binaries'. Each must exit 0; a trailing `# shows: TEXT`
# is what its output must contain, as a whole: not inside a longer word or
# number ("2500" is not found in "12500").
#
# usage: readme_tour.sh BIN_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
BIN=$1
SRC=$2
WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK/build"
ln -s "$BIN" "$WORK/build/bin"
cd "$WORK"

"$BIN/hangar" serve --dev-kafka --data-dir data --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 > serve.log 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 300); do
  grep -q "serving Flight on" serve.log && break
  sleep 0.1
done
HANGAR_SERVER=$(sed -n 's/.*serving Flight on \([^ ]*\).*/\1/p' serve.log)
METRICS=$(sed -n 's|.*serving metrics on http://\([^/]*\)/metrics.*|\1|p' serve.log)
[ -n "$HANGAR_SERVER" ] && [ -n "$METRICS" ] || { echo "the server did not start:"; cat serve.log; exit 1; }
export HANGAR_SERVER
# --dev-kafka prints the first steps, naming the server it runs on.
grep -q "hangar ls --server $HANGAR_SERVER" serve.log || { echo "no 'Try it' block:"; cat serve.log; exit 1; }

awk '/<!-- tour:begin/ {on = 1; next} /<!-- tour:end/ {on = 0} on' "$SRC/README.md" |
  awk '/^```sh/ {block = 1; next} /^```/ {block = 0} block && NF' > tour.sh
[ -s tour.sh ] || { echo "no tour found in $SRC/README.md"; exit 1; }

# Whether $1 contains $2 with no letter, digit or _ right before or after it.
contains_whole() {
  EXPECTED="$2" perl -e 'local $/; my $t = <STDIN>; my $e = quotemeta($ENV{EXPECTED});
                         exit($t =~ /(?<![A-Za-z0-9_])$e(?![A-Za-z0-9_])/ ? 0 : 1)' <<< "$1"
}
# The check itself, on a match and on near misses.
contains_whole "SHIPPED  | 2500 |" "SHIPPED  | 2500" && ! contains_whole "12500" "2500" &&
  ! contains_whole "25001" "2500" && ! contains_whole "kafka/orders_v2" "kafka/orders" ||
  { echo "contains_whole is broken"; exit 1; }

ran=0
while IFS= read -r line; do
  command=${line%%# shows:*}
  expected=""
  [[ "$line" == *"# shows: "* ]] && expected=${line##*# shows: }
  # The server chose its own ports; the README names the defaults.
  command=${command//127.0.0.1:9464/$METRICS}
  if ! output=$(bash -c "$command" 2>&1 < /dev/null); then
    echo "FAILED: $command"
    echo "$output"
    exit 1
  fi
  if [ -n "$expected" ] && ! contains_whole "$output" "$expected"; then
    echo "FAILED: $command"
    echo "expected its output to contain, as a whole: $expected"
    echo "$output"
    exit 1
  fi
  ran=$((ran + 1))
done < tour.sh
echo "README tour: all $ran commands ran as documented"
