#!/usr/bin/env bash
# The `hangar` executable end to end: a real server, the client commands
# against it, users and authentication, and a clean stop on SIGTERM.
#   cli_end_to_end.sh BIN_DIR WORK_DIR
set -euo pipefail
BIN="$1/hangar"
WORK="$2"
rm -rf "$WORK" && mkdir -p "$WORK"
cd "$WORK"

fail() { echo "FAIL: $*" >&2; exit 1; }
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true; }
trap cleanup EXIT

# Starts `hangar serve ARGS...` on a free port; sets LOC and SERVER_PID.
start_server() {
  : > serve.log
  "$BIN" serve --listen 127.0.0.1:0 "$@" 2> serve.log &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    LOC=$(sed -n 's/.*serving Flight on \([^ ]*\).*/\1/p' serve.log)
    [ -n "$LOC" ] && return 0
    sleep 0.1
  done
  cat serve.log >&2
  fail "server did not start"
}
stop_server() {
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID" || fail "server exited with $? on SIGTERM"
  SERVER_PID=
  grep -q "shutting down" serve.log || fail "no shutdown message"
}

"$BIN" demo --data-dir . > /dev/null
start_server --data-dir data
"$BIN" put demo.arrow flights --server "$LOC"
"$BIN" ls --server "$LOC" | grep -q '^flights .* 4 rows' || fail "ls does not list flights with 4 rows"
"$BIN" info flights --server "$LOC" > info.txt
grep -q 'records:  4' info.txt || fail "info lacks the row count"
grep -q 'passengers: int32 not null' info.txt || fail "info lacks the schema"
"$BIN" get flights -o out.csv --server "$LOC"
[ "$(head -1 out.csv)" = "flight,departure,passengers,load_factor" ] || fail "CSV header: $(head -1 out.csv)"
[ "$(wc -l < out.csv)" -eq 5 ] || fail "CSV rows"
grep -q '^HG202,2025-11-22 09:30:00.000000Z,87,0.52$' out.csv || fail "CSV row HG202"
"$BIN" get flights -o out.arrow --server "$LOC"
"$BIN" cat out.arrow | grep -q '1 batches, 4 rows' || fail "IPC file download"
"$BIN" get flights --server "$LOC" | grep -q 'passengers: \[142, 87, 203, 165\]' || fail "table output"
# Appending a second time doubles the rows; the bare name works as a ticket.
"$BIN" put default/flights demo.arrow --server "$LOC"
"$BIN" get --ticket flights -o again.csv --server "$LOC"
[ "$(wc -l < again.csv)" -eq 9 ] || fail "append"
"$BIN" actions --server "$LOC" | grep -q '^DropTable' || fail "actions"
[ "$("$BIN" action ListTables --server "$LOC")" = '["default.flights"]' ] || fail "ListTables"
# Parquet and CSV through DuckDB: the table's own Parquet file, and a CSV file.
parquet=$(ls data/tables/default.flights-*/*.parquet | head -1)
"$BIN" put "$parquet" copied --server "$LOC"
"$BIN" ls --server "$LOC" | grep -q '^copied .* 4 rows' || fail "put of a Parquet file"
printf 'city,trips,fare\nLisbon,3,12.5\nPorto,7,\nZürich,1,30.25\n' > trips.csv
"$BIN" put trips.csv trips --server "$LOC"
"$BIN" get trips --server "$LOC" | grep -q 'city: \["Lisbon", "Porto", "Zürich"\]' || fail "put of a CSV file"
"$BIN" put trips.csv trips --mode overwrite --server "$LOC"
"$BIN" ls --server "$LOC" | grep -q '^trips .* 3 rows' || fail "put --mode overwrite"
if "$BIN" put trips.csv trips --mode create --server "$LOC" 2> err.txt; then fail "put --mode create of an existing table"; fi
grep -q "AlreadyExists" err.txt || fail "create error: $(cat err.txt)"
"$BIN" action CreateTable '{"name": "sales.empty", "schema_json": "{\"fields\": [{\"name\": \"id\", \"type\": \"int64\", \"nullable\": false}]}"}' --server "$LOC" > created.json
grep -q '"rows":0' created.json || fail "CreateTable: $(cat created.json)"
"$BIN" info sales.empty --server "$LOC" | grep -q 'id: int64 not null' || fail "CreateTable schema"
for t in copied trips sales.empty; do "$BIN" action DropTable "{\"name\": \"$t\"}" --server "$LOC" > /dev/null; done
if "$BIN" get nowhere --server "$LOC" 2> err.txt; then fail "get of a missing table succeeded"; fi
grep -q "NotFound.*nowhere" err.txt || fail "missing table error: $(cat err.txt)"
if "$BIN" put ../escape demo.arrow --server "$LOC" 2> err.txt; then fail "a bad name was accepted"; fi
grep -q "InvalidArgument" err.txt || fail "bad name error: $(cat err.txt)"
"$BIN" action DropTable '{"name": "flights"}' --server "$LOC" > /dev/null
[ "$("$BIN" action ListTables --server "$LOC")" = '[]' ] || fail "DropTable"
stop_server

# Users and authentication.
echo "writer-pw" | "$BIN" user add --users users.json --name writer --password-stdin --permission write:default.*
echo "reader-pw" | "$BIN" user add --users users.json --name reader --password-stdin --permission read:default.*
[ "$(stat -c %a users.json)" = 600 ] || fail "users file mode"
if grep -q 'writer-pw' users.json; then fail "a password is stored in clear"; fi
start_server --data-dir data --users users.json
if "$BIN" ls --server "$LOC" 2> err.txt; then fail "ls without credentials succeeded"; fi
grep -q "Unauthenticated" err.txt || fail "no-credentials error: $(cat err.txt)"
if "$BIN" ls --server "$LOC" --user writer --password wrong 2> err.txt; then fail "a wrong password was accepted"; fi
HANGAR_USER=writer HANGAR_PASSWORD=writer-pw "$BIN" put flights demo.arrow --server "$LOC"
"$BIN" ls --server "$LOC" --user reader --password reader-pw | grep -q '^flights' || fail "reader cannot list"
if "$BIN" put flights demo.arrow --server "$LOC" --user reader --password reader-pw 2> err.txt; then
  fail "a reader could write"
fi
grep -q "PermissionDenied" err.txt || fail "reader write error: $(cat err.txt)"
if grep -q -e 'writer-pw' -e 'reader-pw' serve.log; then fail "a password reached the server log"; fi
stop_server
[ -s data/token-secret ] || fail "no token secret was created"

# Topics: the development cluster and its demo topic through the CLI.
start_server --data-dir data --dev-kafka
grep -q "development Kafka cluster at 127.0.0.1:" serve.log || fail "no development cluster address"
"$BIN" ls --server "$LOC" | grep -q '^kafka/orders .* 10000 rows' || fail "ls does not list kafka/orders"
"$BIN" info kafka.orders --server "$LOC" | grep -c '^  ticket {"partition"' | grep -qx 4 || fail "four partition endpoints"
"$BIN" get --ticket orders/0 -o p0.csv --server "$LOC"
head -1 p0.csv | grep -q '^order_id,customer,amount,quantity,status,created_at,note,_partition,_offset,_timestamp,_key$' \
  || fail "topic CSV header: $(head -1 p0.csv)"
"$BIN" get --ticket '{"topic": "orders", "partition": 1, "max_records": 3, "metadata": false}' -o three.csv --server "$LOC"
[ "$(wc -l < three.csv)" -eq 4 ] || fail "max_records"
if "$BIN" get --ticket '{"topic": "orders", "partition": 1, "from": 3}' --server "$LOC" 2> err.txt; then fail "unknown option"; fi
grep -q 'unknown topic option "from"' err.txt || fail "unknown option error: $(cat err.txt)"

# SQL: a table on the terminal, a topic joined with a table, CSV and JSON out, INSERT, the prompt.
"$BIN" sql "SELECT flight, passengers FROM flights WHERE passengers > 150 ORDER BY flight" --server "$LOC" > sql.txt
[ "$(sed -n 1p sql.txt)" = "flight | passengers" ] || fail "sql header: $(cat sql.txt)"
grep -q '^HG303  | 203 *$' sql.txt || fail "sql rows: $(cat sql.txt)"
grep -q '^(2 rows)$' sql.txt || fail "sql row count: $(cat sql.txt)"
"$BIN" sql "SELECT f.flight, count(*) AS orders FROM kafka.orders o JOIN flights f ON o._partition = f.passengers % 4
  GROUP BY 1 ORDER BY 1" -o joined.csv --server "$LOC"
[ "$(cat joined.csv | tr '\n' ' ')" = "flight,orders HG101,2500 HG202,1250 HG303,1250 HG404,2500 " ] \
  || fail "topic join: $(cat joined.csv)"
"$BIN" sql "SELECT flight, load_factor FROM default.flights ORDER BY flight LIMIT 1" --format json --server "$LOC" \
  | grep -qx '{"flight":"HG101","load_factor":0.79}' || fail "sql json"
"$BIN" sql "INSERT INTO flights SELECT flight || 'X', departure, passengers, load_factor FROM flights" \
  --server "$LOC" 2> insert.txt
grep -q '^4 rows inserted$' insert.txt || fail "insert: $(cat insert.txt)"
printf 'SELECT count(*) AS n FROM flights;\nSELECT 1 AS a,\n  2 AS b;\n' | "$BIN" sql --format csv --server "$LOC" > prompt.txt
[ "$(tr '\n' ' ' < prompt.txt)" = "n 8 a,b 1,2 " ] || fail "statements from stdin: $(cat prompt.txt)"
if "$BIN" sql "SELECT * FROM nowhere" --server "$LOC" 2> err.txt; then fail "a query of a missing table succeeded"; fi
grep -q "no table named 'nowhere'" err.txt || fail "missing table error: $(cat err.txt)"
stop_server
# Bad Kafka settings stop the server at once, naming the setting.
if "$BIN" serve --listen 127.0.0.1:0 --data-dir data --kafka-brokers 127.0.0.1:9 --kafka-sasl-mechanism BOGUS 2> err.txt; then
  fail "a bogus SASL mechanism was accepted"
fi
grep -q "sasl.mechanism" err.txt || fail "bad SASL mechanism error: $(cat err.txt)"
echo "cli end to end: ok"
