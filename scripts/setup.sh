#!/usr/bin/env bash
# Installs everything Hangar needs to build and test on Debian 12 (bookworm):
#   1. Debian packages (only the missing ones; `apt-get update` only when installing),
#   2. the JS interop suite's npm packages (`npm ci`, only when the lock file changed),
#   3. DuckDB's prebuilt libduckdb.so and duckdb.h, fetched with `npm pack` into
#      third_party/duckdb/ (ignored by git), only when absent or of another version,
#   4. the Python interop suite's virtual environment third_party/venv/ (ignored by git)
#      with the PyPI packages pinned in tests/interop/python/requirements.txt, installed
#      only when that file changed,
#   5. Java 17+ and Maven for the JDBC interop suite (Debian's default-jdk-headless and
#      maven when either is missing), and the suite's Maven artifacts, pinned in
#      tests/interop/jdbc/pom.xml, resolved into ~/.m2 only when that file changed
#      (stamp: third_party/.hangar-mvn-resolved, ignored by git),
#   6. Apache Kafka 4 (kafka_2.13 and its dependencies, pinned in
#      tests/support/kafka/pom.xml) resolved into ~/.m2 with Maven, and the broker's
#      classpath written to third_party/kafka/classpath, only when that pom changed or
#      a jar it names is gone; tests/support/kafka_broker.py runs it with Java 17.
#   6b. Apicurio Registry 2.1.3.Final (the Confluent-API Schema Registry of those suites,
#      pinned in tests/support/schema-registry/pom.xml) built by Maven's Quarkus build
#      into third_party/apicurio-registry/build/apicurio-registry-runner.jar, only when
#      that pom or its application.properties changed or the jar is gone.
#   7. Apache Iceberg's Spark runtime and AWS bundle (pinned in
#      tests/support/spark/pom.xml) resolved into ~/.m2 with Maven, and the two jars'
#      paths written to third_party/spark/classpath, only when that pom changed or a
#      jar it names is gone; the Spark suite (pyspark, from requirements.txt) hands
#      them to Spark as spark.jars.
#   8. SeaweedFS (the S3-compatible server of the object storage tests and benchmark)
#      built from the Go module proxy into third_party/seaweedfs/weed, only when absent
#      or of another version; Go itself is the machine's when new enough, else Debian's
#      golang-go fetching the pinned Go toolchain from the module proxy.
# Idempotent, and takes well under a second when nothing changed.
# Runs as root, or through sudo otherwise. `make run`, `make test` and `make bench` call it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || die "not root and sudo is missing"
  SUDO=(sudo)
fi

# --------------------------------------------------------------------------------------
# 1. Debian packages
# --------------------------------------------------------------------------------------
APT_PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates
  ccache                              # a rebuild of unchanged sources is a cache read
  clang libclang-rt-14-dev            # libFuzzer and sanitizer runtimes
  # Arrow core
  flatbuffers-compiler libflatbuffers-dev
  libzstd-dev liblz4-dev zlib1g-dev zstd lz4
  nlohmann-json3-dev
  # the CLI: line editing and history in the SQL prompt
  libedit-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev curl   # curl: the README tour scrapes /metrics
  zsh                                 # the CLI test loads the zsh completion script
  # Flight (gRPC 1.51, protobuf 3.21), TLS, HTTP
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libssl-dev libcurl4-openssl-dev
  libcpp-httplib-dev                  # the Iceberg REST catalog's HTTP server (cpp-httplib 0.11.4)
  # Kafka (librdkafka 2.0.2 with its mock cluster) and its command-line client
  librdkafka-dev kcat
  # ZooKeeper 3.8: C client, and the server jars run by the tests with Java 17
  libzookeeper-mt-dev zookeeper default-jre-headless
  # Python baseline used by the benchmarks
  python3 python3-avro python3-confluent-kafka python3-pandas
)
# Node.js may come from elsewhere (node >= 18 will do); install Debian's only if absent.
command -v node >/dev/null 2>&1 || APT_PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(npm)

missing_packages() {
  local installed
  installed="$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${APT_PACKAGES[@]}" 2>/dev/null \
    | awk '$2 == "ii" { print $1 }' || true)"
  local p
  for p in "${APT_PACKAGES[@]}"; do
    grep -qxF -- "$p" <<<"$installed" || printf '%s\n' "$p"
  done
}

retry() {
  local n
  for n in 1 2 3; do
    "$@" && return 0
    log "attempt $n of '$*' failed; retrying in $((n * 5)) s"
    sleep $((n * 5))
  done
  "$@"
}

mapfile -t MISSING < <(missing_packages)
if [ "${#MISSING[@]}" -gt 0 ]; then
  log "installing ${#MISSING[@]} Debian package(s): ${MISSING[*]}"
  export DEBIAN_FRONTEND=noninteractive
  APT_OPTS=(-y -q -o Dpkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  retry "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o Dpkg::Lock::Timeout=600 update
  retry "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install "${APT_OPTS[@]}" \
    --no-install-recommends "${MISSING[@]}"
  mapfile -t MISSING < <(missing_packages)
  [ "${#MISSING[@]}" -eq 0 ] || die "still missing after apt-get install: ${MISSING[*]}"
else
  log "Debian packages: all ${#APT_PACKAGES[@]} present"
fi

for tool in cmake ninja c++ clang++ flatc node npm; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found on PATH after installing packages"
done

# --------------------------------------------------------------------------------------
# 2. npm packages of the JS interop suite
# --------------------------------------------------------------------------------------
JS_DIR="tests/interop/js"
if [ -f "$JS_DIR/package-lock.json" ]; then
  stamp="$JS_DIR/node_modules/.hangar-npm-ci"
  if [ ! -f "$stamp" ] || [ "$JS_DIR/package-lock.json" -nt "$stamp" ] || [ "$JS_DIR/package.json" -nt "$stamp" ]; then
    log "npm ci in $JS_DIR"
    (cd "$JS_DIR" && npm ci --no-audit --no-fund --no-progress)
    touch "$stamp"
  else
    log "npm packages: up to date"
  fi
fi

# --------------------------------------------------------------------------------------
# 3. DuckDB: prebuilt library and C header from the npm registry
# --------------------------------------------------------------------------------------
DUCKDB_BINDINGS_PKG="@duckdb/node-bindings-linux-x64@1.4.4-r.4"   # ships libduckdb.so
DUCKDB_SOURCE_PKG="duckdb@1.4.4"                                   # ships duckdb.h
DUCKDB_HEADER_IN_TARBALL="package/src/duckdb/src/include/duckdb.h"
DUCKDB_DIR="third_party/duckdb"
DUCKDB_WANT="$DUCKDB_BINDINGS_PKG $DUCKDB_SOURCE_PKG"

if [ -f "$DUCKDB_DIR/lib/libduckdb.so" ] && [ -f "$DUCKDB_DIR/include/duckdb.h" ] \
   && [ "$(cat "$DUCKDB_DIR/VERSION" 2>/dev/null || true)" = "$DUCKDB_WANT" ]; then
  log "DuckDB: present ($DUCKDB_DIR)"
else
  [ "$(uname -m)" = "x86_64" ] || die "the prebuilt DuckDB library is for x86_64 only (this is $(uname -m))"
  log "DuckDB: fetching $DUCKDB_BINDINGS_PKG and $DUCKDB_SOURCE_PKG"
  mkdir -p "$DUCKDB_DIR"
  work="$(mktemp -d "$ROOT/$DUCKDB_DIR/.fetch.XXXXXX")"
  trap 'rm -rf "$work"' EXIT

  mkdir -p "$work/bindings" "$work/source"
  (cd "$work/bindings" && npm pack --silent "$DUCKDB_BINDINGS_PKG" >/dev/null)
  (cd "$work/source" && npm pack --silent "$DUCKDB_SOURCE_PKG" >/dev/null)
  bindings_tgz="$(ls "$work"/bindings/*.tgz)"
  source_tgz="$(ls "$work"/source/*.tgz)"

  tar -xzf "$bindings_tgz" -C "$work/bindings" package/libduckdb.so package/LICENSE
  # The source tarball is large: extract the one header, stopping at its first occurrence.
  tar -xzf "$source_tgz" -C "$work/source" --occurrence=1 "$DUCKDB_HEADER_IN_TARBALL"

  mkdir -p "$DUCKDB_DIR/lib" "$DUCKDB_DIR/include"
  rm -f "$DUCKDB_DIR/VERSION"
  install -m 0755 "$work/bindings/package/libduckdb.so" "$DUCKDB_DIR/lib/.libduckdb.so.new"
  install -m 0644 "$work/source/$DUCKDB_HEADER_IN_TARBALL" "$DUCKDB_DIR/include/.duckdb.h.new"
  install -m 0644 "$work/bindings/package/LICENSE" "$DUCKDB_DIR/LICENSE"
  mv -f "$DUCKDB_DIR/lib/.libduckdb.so.new" "$DUCKDB_DIR/lib/libduckdb.so"
  mv -f "$DUCKDB_DIR/include/.duckdb.h.new" "$DUCKDB_DIR/include/duckdb.h"
  printf '%s\n' "$DUCKDB_WANT" >"$DUCKDB_DIR/VERSION"

  rm -rf "$work"
  trap - EXIT
  log "DuckDB: installed into $DUCKDB_DIR"
fi

# --------------------------------------------------------------------------------------
# 4. Python interop suite: a virtual environment with pyarrow and pytest from PyPI
# --------------------------------------------------------------------------------------
PY_REQUIREMENTS="tests/interop/python/requirements.txt"
VENV_DIR="third_party/venv"

# Makes $VENV_DIR with `python3` on PATH; where that one cannot make virtual
# environments (Debian's python3 without python3-venv), with Debian's own
# /usr/bin/python3 after installing python3-venv.
make_venv() {
  rm -rf "$VENV_DIR"
  if command -v python3 >/dev/null 2>&1 && python3 -m venv "$VENV_DIR" >/dev/null 2>&1; then
    return 0
  fi
  rm -rf "$VENV_DIR"
  log "python3 cannot make a virtual environment; installing Debian's python3-venv"
  retry "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o Dpkg::Lock::Timeout=600 update
  retry "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Lock::Timeout=600 \
    --no-install-recommends python3-venv
  /usr/bin/python3 -m venv "$VENV_DIR" || die "/usr/bin/python3 -m venv $VENV_DIR failed"
}

if [ -f "$PY_REQUIREMENTS" ]; then
  stamp="$VENV_DIR/.hangar-pip-install"
  # A venv whose interpreter is gone (its Python was removed or moved) is made anew.
  if [ ! -x "$VENV_DIR/bin/python" ] || ! "$VENV_DIR/bin/python" -c '' >/dev/null 2>&1; then
    log "Python: making the virtual environment $VENV_DIR"
    make_venv
    rm -f "$stamp"
  fi
  if [ ! -f "$stamp" ] || [ "$PY_REQUIREMENTS" -nt "$stamp" ]; then
    log "Python: pip install -r $PY_REQUIREMENTS into $VENV_DIR"
    retry "$VENV_DIR/bin/python" -m pip install --no-input --disable-pip-version-check --quiet \
      -r "$PY_REQUIREMENTS"
    touch "$stamp"
  else
    log "Python packages: up to date ($VENV_DIR)"
  fi
fi

# --------------------------------------------------------------------------------------
# 5. JDBC interop suite: a JDK (17 or newer) and Maven, and the suite's artifacts
# --------------------------------------------------------------------------------------
JDBC_POM="tests/interop/jdbc/pom.xml"

java_major() {
  # "17.0.15" -> 17, "1.8.0_402" -> 8; 0 without javac (a JRE alone cannot compile the suite).
  # The JDK's release file says it without starting a JVM.
  command -v javac >/dev/null 2>&1 || { echo 0; return; }
  local home v
  home="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
  v="$(sed -n 's/^JAVA_VERSION="\(.*\)"/\1/p' "$home/release" 2>/dev/null)"
  [ -n "$v" ] || v="$(javac -version 2>&1 | awk '{print $2}')"
  v="${v#1.}"
  echo "${v%%[._]*}"
}

if [ -f "$JDBC_POM" ]; then
  JAVA_MISSING=()
  [ "$(java_major)" -ge 17 ] 2>/dev/null || JAVA_MISSING+=(default-jdk-headless)
  command -v mvn >/dev/null 2>&1 || JAVA_MISSING+=(maven)
  if [ "${#JAVA_MISSING[@]}" -gt 0 ]; then
    log "installing ${JAVA_MISSING[*]} for the JDBC suite"
    retry "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o Dpkg::Lock::Timeout=600 update
    retry "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Lock::Timeout=600 \
      --no-install-recommends "${JAVA_MISSING[@]}"
    [ "$(java_major)" -ge 17 ] 2>/dev/null || die "javac 17 or newer not found after installing default-jdk-headless"
    command -v mvn >/dev/null 2>&1 || die "mvn not found after installing maven"
  fi
  stamp="third_party/.hangar-mvn-resolved"
  if [ ! -f "$stamp" ] || [ "$JDBC_POM" -nt "$stamp" ]; then
    log "Maven: resolving the JDBC suite's artifacts ($JDBC_POM)"
    retry mvn -B -q -ntp -f "$JDBC_POM" dependency:go-offline
    mkdir -p third_party
    touch "$stamp"
  else
    log "Maven artifacts: up to date"
  fi
fi

# --------------------------------------------------------------------------------------
# 6. Apache Kafka for the real-broker topic suites and the topic benchmark
# --------------------------------------------------------------------------------------
# A Maven project's runtime classpath (its pom's dependencies, resolved into
# ~/.m2) kept in a file as a colon-separated list of jars; the Kafka broker and
# the Spark suite each have one. Up to date when the file is newer than the pom
# and names at least MIN jars, every one present.
classpath_ok() {  # CLASSPATH POM MIN
  local classpath=$1 pom=$2 min=$3 jar count=0
  [ -s "$classpath" ] && [ "$classpath" -nt "$pom" ] || return 1
  # Maven writes the list without a final newline: the last jar is read all the same.
  while IFS= read -r jar || [ -n "$jar" ]; do
    [ -f "$jar" ] || return 1
    count=$((count + 1))
  done < <(tr ':' '\n' <"$classpath")
  [ "$count" -ge "$min" ]
}

# Resolves POM's runtime classpath into CLASSPATH unless it is up to date; WHAT
# names it in the log. Nothing to do when the pom is absent.
resolve_classpath() {  # WHAT POM CLASSPATH MIN
  local what=$1 pom=$2 classpath=$3 min=$4
  [ -f "$pom" ] || return 0
  if classpath_ok "$classpath" "$pom" "$min"; then
    log "$what: up to date ($classpath)"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn is needed to fetch the $what"
  log "$what: resolving $pom"
  mkdir -p "$(dirname "$classpath")"
  retry mvn -B -q -ntp -f "$pom" dependency:build-classpath -Dmdep.includeScope=runtime \
    -Dmdep.outputFile="$ROOT/$classpath.new"
  mv -f "$classpath.new" "$classpath"
  classpath_ok "$classpath" "$pom" "$min" \
    || die "the $what classpath ($classpath) names fewer than $min jars or jars that are not there"
}

resolve_classpath "Kafka broker" tests/support/kafka/pom.xml third_party/kafka/classpath 1

# --------------------------------------------------------------------------------------
# 6b. Apicurio Registry: the Confluent-API Schema Registry of the real-broker suites
# --------------------------------------------------------------------------------------
# Apicurio publishes the registry as a library (apicurio-registry-app); the Quarkus
# build of tests/support/schema-registry/ makes the runnable server of it (about a
# minute the first time, with the downloads). tests/support/schema_registry.py runs it.
REGISTRY_DIR="tests/support/schema-registry"
REGISTRY_BUILD="third_party/apicurio-registry/build"
REGISTRY_JAR="$REGISTRY_BUILD/apicurio-registry-runner.jar"

if [ -f "$REGISTRY_DIR/pom.xml" ]; then
  if [ -f "$REGISTRY_JAR" ] && [ "$REGISTRY_JAR" -nt "$REGISTRY_DIR/pom.xml" ] \
     && [ "$REGISTRY_JAR" -nt "$REGISTRY_DIR/src/main/resources/application.properties" ]; then
    log "Schema Registry: up to date ($REGISTRY_JAR)"
  else
    command -v mvn >/dev/null 2>&1 || die "mvn is needed to build Apicurio Registry"
    started=$SECONDS
    log "Schema Registry: building Apicurio Registry from $REGISTRY_DIR/pom.xml"
    rm -rf "$REGISTRY_BUILD"
    retry mvn -B -q -ntp -f "$REGISTRY_DIR/pom.xml" package -Dregistry.build.dir="$ROOT/$REGISTRY_BUILD"
    [ -f "$REGISTRY_JAR" ] || die "the Apicurio Registry build made no $REGISTRY_JAR"
    touch "$REGISTRY_JAR"
    log "Schema Registry: built in $((SECONDS - started)) s"
  fi
fi

# --------------------------------------------------------------------------------------
# 7. Iceberg's Spark runtime for the Spark suite (Spark itself is pyspark, step 4)
# --------------------------------------------------------------------------------------
# The runtime and the AWS bundle: two jars at least.
resolve_classpath "Iceberg Spark runtime" tests/support/spark/pom.xml third_party/spark/classpath 2

# --------------------------------------------------------------------------------------
# 8. SeaweedFS: the S3-compatible server of the object storage tests and benchmark
# --------------------------------------------------------------------------------------
# Built from the source the Go module proxy serves, pinned: the first build takes
# 11 minutes of CPU (23 minutes on a busy 2-core machine), a later one only links
# (under 20 s), an installed one nothing.
# The module has replace directives, so `go install module@version` refuses it: it
# is downloaded and built in place instead.
SEAWEEDFS_MODULE="github.com/seaweedfs/seaweedfs"
SEAWEEDFS_VERSION="v0.0.0-20261109003541-7506e5f91cd6"
SEAWEEDFS_DIR="third_party/seaweedfs"
GO_TOOLCHAIN="go1.26.8"   # the module's go.mod asks for 1.26.6 or later

# The go command to build with: one on PATH that can switch toolchains (1.21 or
# later; GOTOOLCHAIN fetches $GO_TOOLCHAIN from the module proxy when it is older),
# else the toolchain module itself, fetched by Debian's older golang-go.
go_command() {
  local v
  if command -v go >/dev/null 2>&1; then
    v="$(go env GOVERSION 2>/dev/null || true)"; v="${v#go}"
    if [ "${v%%.*}" = 1 ] && [ "$(echo "$v" | cut -d. -f2)" -ge 21 ] 2>/dev/null; then
      echo "env GOTOOLCHAIN=$GO_TOOLCHAIN+auto go"; return
    fi
  else
    log "installing Debian's golang-go to fetch the Go toolchain"
    retry "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o Dpkg::Lock::Timeout=600 update
    retry "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Lock::Timeout=600 \
      --no-install-recommends golang-go
  fi
  local dir
  dir="$(go mod download -json "golang.org/toolchain@v0.0.1-$GO_TOOLCHAIN.linux-amd64" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -x "$dir/bin/go" ] || die "could not fetch the Go toolchain $GO_TOOLCHAIN"
  echo "env GOTOOLCHAIN=local $dir/bin/go"
}

if [ -x "$SEAWEEDFS_DIR/weed" ] && [ "$(cat "$SEAWEEDFS_DIR/VERSION" 2>/dev/null || true)" = "$SEAWEEDFS_VERSION" ]; then
  log "SeaweedFS: present ($SEAWEEDFS_DIR/weed)"
else
  started=$SECONDS
  read -r -a GO <<<"$(go_command)"
  log "SeaweedFS: building $SEAWEEDFS_MODULE@$SEAWEEDFS_VERSION with $("${GO[@]}" env GOVERSION)"
  source_dir="$(retry "${GO[@]}" mod download -json "$SEAWEEDFS_MODULE@$SEAWEEDFS_VERSION" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$source_dir/weed" ] || die "could not download $SEAWEEDFS_MODULE@$SEAWEEDFS_VERSION"
  mkdir -p "$SEAWEEDFS_DIR"
  rm -f "$SEAWEEDFS_DIR/VERSION"
  # Two packages at a time, as everything here; no symbol tables (a smaller binary, a faster link).
  (cd "$source_dir" && retry "${GO[@]}" build -p 2 -ldflags "-s -w" -o "$ROOT/$SEAWEEDFS_DIR/.weed.new" ./weed)
  mv -f "$SEAWEEDFS_DIR/.weed.new" "$SEAWEEDFS_DIR/weed"
  printf '%s\n' "$SEAWEEDFS_VERSION" >"$SEAWEEDFS_DIR/VERSION"
  log "SeaweedFS: built in $((SECONDS - started)) s"
fi

log "ready (${SECONDS} s)"
