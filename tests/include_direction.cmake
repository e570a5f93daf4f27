# The folders of src/ depend one way: a file may include headers of its own
# folder and of the folders listed for it below, never of one above it. The
# libraries link in the same order (src/CMakeLists.txt), but a header-only
# include upward would link and still tie a lower layer to a higher one; this
# check (the CTest test include_direction, label "unit") catches it.
#
#   cmake -DSRC=<src folder> -P include_direction.cmake
#
# The layers, bottom first (docs/architecture.md draws them):
#   base, metrics                    logging, status, Prometheus
#   arrow                            the columnar core
#   avro, flight, duckdb             formats, transport, engine
#   objstore                         buckets and local folders
#   store, kafka, cluster            tables, topics, membership
#   iceberg                          tables as Iceberg tables (observes the store)
#   sql                              Flight SQL over DuckDB
#   server                           the Flight service and the node
#   cli, tools                       executables
#   python                           the Python extension module (Kafka listeners)
# A new dependency is a decision: add it here, with the layer it follows.

cmake_minimum_required(VERSION 3.20)

set(ALLOWED_base "")
set(ALLOWED_metrics base)
set(ALLOWED_arrow base)
set(ALLOWED_avro base arrow)
set(ALLOWED_flight base metrics arrow)
set(ALLOWED_duckdb base arrow)
set(ALLOWED_objstore base metrics)
set(ALLOWED_store base metrics arrow duckdb objstore)
set(ALLOWED_iceberg base metrics arrow avro duckdb objstore store)
set(ALLOWED_kafka base metrics arrow avro)
set(ALLOWED_cluster base)
set(ALLOWED_sql base metrics arrow avro flight duckdb objstore store iceberg kafka)
set(ALLOWED_server base metrics arrow avro flight duckdb objstore store iceberg kafka cluster sql)
set(ALLOWED_cli base metrics arrow avro flight duckdb objstore store iceberg kafka cluster sql server)
set(ALLOWED_tools base arrow avro objstore)
set(ALLOWED_python base metrics arrow avro kafka)

if(NOT SRC OR NOT IS_DIRECTORY "${SRC}")
  message(FATAL_ERROR "give the source folder: cmake -DSRC=<src> -P include_direction.cmake")
endif()

file(GLOB FOLDERS RELATIVE "${SRC}" "${SRC}/*")
set(KNOWN "")
foreach(folder IN LISTS FOLDERS)
  if(IS_DIRECTORY "${SRC}/${folder}")
    list(APPEND KNOWN ${folder})
  endif()
endforeach()

set(VIOLATIONS "")
set(CHECKED 0)
foreach(folder IN LISTS KNOWN)
  if(NOT DEFINED ALLOWED_${folder})
    string(APPEND VIOLATIONS "  src/${folder}/ is in no layer: give it one in this script\n")
    continue()
  endif()
  file(GLOB_RECURSE FILES "${SRC}/${folder}/*.h" "${SRC}/${folder}/*.cc")
  foreach(file IN LISTS FILES)
    math(EXPR CHECKED "${CHECKED} + 1")
    file(STRINGS "${file}" INCLUDES REGEX "^[ \t]*#[ \t]*include[ \t]+\"[a-z_]+/")
    foreach(line IN LISTS INCLUDES)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]+\"([a-z_]+)/.*$" "\\1" target "${line}")
      if(target STREQUAL folder OR NOT target IN_LIST KNOWN)
        continue()  # its own folder, or not a folder of src/ (generated code's own)
      endif()
      if(NOT target IN_LIST ALLOWED_${folder})
        file(RELATIVE_PATH where "${SRC}" "${file}")
        string(STRIP "${line}" line)
        string(APPEND VIOLATIONS "  src/${where}: ${line} (${folder} may include: ${ALLOWED_${folder}})\n")
      endif()
    endforeach()
  endforeach()
endforeach()

if(CHECKED EQUAL 0)
  message(FATAL_ERROR "no source files under ${SRC}")
endif()
if(VIOLATIONS)
  message(FATAL_ERROR "includes against the direction of the layers:\n${VIOLATIONS}")
endif()
message(STATUS "include direction: ${CHECKED} files, every include goes down")
