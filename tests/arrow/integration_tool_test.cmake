# End-to-end test of the hangar-integration binary, run by CTest:
#   cmake -DTOOL=<hangar-integration> -DTESTDATA=<testdata dir> -DWORK=<scratch dir> -P integration_tool_test.cmake
#
# Drives every mode the way Arrow's integration harness does, on Arrow's own
# gold files, and checks that validate fails, naming the field and the row,
# when one JSON value is altered.
cmake_minimum_required(VERSION 3.25)

foreach(var TOOL TESTDATA WORK)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "define ${var}")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

# tool(<result var> <stderr var> [INPUT file] [OUTPUT file] ARGS ...)
function(tool rc_var err_var)
  cmake_parse_arguments(T "" "INPUT;OUTPUT" "ARGS" ${ARGN})
  set(redirect)
  if(T_INPUT)
    list(APPEND redirect INPUT_FILE "${T_INPUT}")
  endif()
  if(T_OUTPUT)
    list(APPEND redirect OUTPUT_FILE "${T_OUTPUT}")
  else()
    list(APPEND redirect OUTPUT_VARIABLE out)
  endif()
  execute_process(COMMAND "${TOOL}" ${T_ARGS} RESULT_VARIABLE rc ERROR_VARIABLE err ${redirect})
  set(${rc_var} "${rc}" PARENT_SCOPE)
  set(${err_var} "${err}${out}" PARENT_SCOPE)
endfunction()

function(expect_ok what)
  tool(rc err ${ARGN})
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "FAILED: ${what}: exit status ${rc}\n${err}")
  endif()
  message(STATUS "ok: ${what}")
endfunction()

# --help and usage errors.
tool(rc out ARGS --help)
if(NOT rc EQUAL 0 OR NOT out MATCHES "usage: hangar-integration")
  message(FATAL_ERROR "FAILED: --help (exit ${rc}): ${out}")
endif()
tool(rc out ARGS --mode no-such-mode)
if(rc EQUAL 0)
  message(FATAL_ERROR "FAILED: an unknown mode must fail")
endif()

# Every mode on a few gold files covering nesting, dictionaries and unions.
set(gold "${TESTDATA}/arrow-ipc/cpp-21.0.0")
foreach(name generated_primitive generated_nested_dictionary generated_union generated_run_end_encoded)
  set(json "${gold}/${name}.json.gz")
  set(w "${WORK}/${name}")
  expect_ok("${name}: validate against Arrow's file"
            ARGS --mode validate --json "${json}" --arrow "${gold}/${name}.arrow_file")
  expect_ok("${name}: validate against Arrow's stream"
            ARGS --mode validate --json "${json}" --arrow "${gold}/${name}.stream")
  expect_ok("${name}: json-to-arrow" ARGS --mode json-to-arrow --json "${json}" --arrow "${w}.arrow_file")
  expect_ok("${name}: validate Hangar's file" ARGS --mode validate --json "${json}" --arrow "${w}.arrow_file")
  expect_ok("${name}: file-to-stream" OUTPUT "${w}.stream" ARGS --mode file-to-stream --arrow "${w}.arrow_file")
  expect_ok("${name}: stream-to-file" INPUT "${w}.stream" ARGS --mode stream-to-file --arrow "${w}.again.arrow_file")
  expect_ok("${name}: validate the re-filed stream"
            ARGS --mode validate --json "${json}" --arrow "${w}.again.arrow_file")
  expect_ok("${name}: arrow-to-json" ARGS --mode arrow-to-json --arrow "${w}.again.arrow_file" --json "${w}.json")
  expect_ok("${name}: Hangar's JSON validates against Arrow's file"
            ARGS --mode validate --json "${w}.json" --arrow "${gold}/${name}.arrow_file")
  foreach(codec lz4 zstd)
    expect_ok("${name}: json-to-arrow --compression ${codec}"
              ARGS --mode json-to-arrow --json "${json}" --arrow "${w}.${codec}.arrow_file" --compression ${codec})
    expect_ok("${name}: validate the ${codec} file"
              ARGS --mode validate --json "${json}" --arrow "${w}.${codec}.arrow_file")
  endforeach()
endforeach()
# The spelling Arrow C++'s harness uses.
expect_ok("Arrow C++ option spelling"
          ARGS --integration --mode=VALIDATE "--json=${gold}/generated_primitive.json.gz"
               "--arrow=${gold}/generated_primitive.arrow_file")

# validate must fail on one altered value and say where.
set(schema [=[{"fields": [
  {"name": "id", "nullable": false, "type": {"name": "int", "bitWidth": 32, "isSigned": true}, "children": []},
  {"name": "price", "nullable": true, "type": {"name": "floatingpoint", "precision": "DOUBLE"}, "children": []}]}]=])
set(good "{\"schema\": ${schema}, \"batches\": [{\"count\": 3, \"columns\": [
  {\"name\": \"id\", \"count\": 3, \"VALIDITY\": [1, 1, 1], \"DATA\": [1, 2, 3]},
  {\"name\": \"price\", \"count\": 3, \"VALIDITY\": [1, 1, 1], \"DATA\": [1.5, 2.5, 3.5]}]}]}")
string(REPLACE "3.5" "4.5" altered "${good}")
file(WRITE "${WORK}/good.json" "${good}")
file(WRITE "${WORK}/altered.json" "${altered}")
expect_ok("hand-written JSON: json-to-arrow" ARGS --mode json-to-arrow --json "${WORK}/good.json" --arrow "${WORK}/good.arrow_file")
expect_ok("hand-written JSON: validate" ARGS --mode validate --json "${WORK}/good.json" --arrow "${WORK}/good.arrow_file")
tool(rc err ARGS --mode validate --json "${WORK}/altered.json" --arrow "${WORK}/good.arrow_file")
if(rc EQUAL 0)
  message(FATAL_ERROR "FAILED: validate accepted a JSON file with an altered value")
endif()
if(NOT err MATCHES "price" OR NOT err MATCHES "row 2")
  message(FATAL_ERROR "FAILED: the validate error must name field 'price' and row 2, got:\n${err}")
endif()
message(STATUS "ok: altered value rejected: ${err}")
