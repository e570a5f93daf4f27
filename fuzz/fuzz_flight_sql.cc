// libFuzzer target: Flight SQL commands as a client sends them, through the
// SQL layer over a real DuckDB and a table store on a temporary directory.
//
//   byte 0 < 0xF0  a serialized command message, of the kind byte 0 picks:
//                  the metadata commands (their filters and patterns reach
//                  DuckDB's catalog queries) and the statement commands
//                  (their SQL text, below);
//   0xF0 + text    SQL text directly, so mutations work on the statement.
//
// SQL goes through what a statement meets before it runs: the INSERT parser,
// the permission check (which relations it reads; files and functions are
// refused) and DuckDB's planner for what passed. Nothing is executed, so
// no input can write a file or run for long.
//
// Invariants: a metadata result has exactly the schema MetadataSchema
// promised and validates; a refused statement says why. Anything else but a
// clean Status (a crash, a sanitizer report, an abort) is a bug.
#include <google/protobuf/any.pb.h>
#include <google/protobuf/stubs/logging.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "arrow/validate.h"
#include "sql/engine.h"
#include "sql/insert_statement.h"
#include "sql/metadata_commands.h"
#include "sql/proto/FlightSql.pb.h"
#include "sql/relations.h"
#include "store/table_store.h"

namespace {

using namespace hangar;
namespace pb = ::arrow::flight::protocol::sql;

void Check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "invariant violated: %s\n", what);
  std::abort();
}

struct World {
  std::filesystem::path dir;
  std::shared_ptr<duckdb::Database> db;
  std::shared_ptr<store::TableStore> tables;
  std::unique_ptr<sql::SqlEngine> engine;
};

// Two tables (one with a primary key) in two namespaces, so that catalog
// filters have something to match.
World& TheWorld() {
  static World world = [] {
    World w;
    char pattern[] = "/tmp/hangar-fuzz-sql-XXXXXX";
    Check(mkdtemp(pattern) != nullptr, "a temporary directory");
    w.dir = pattern;
    duckdb::DatabaseOptions db_options;
    db_options.threads = 1;
    db_options.allowed_directories = {w.dir.string() + "/"};
    w.db = duckdb::Database::Open(db_options).value();
    store::StoreOptions store_options;
    store_options.data_dir = w.dir;
    w.tables = std::shared_ptr<store::TableStore>(store::TableStore::Open(store_options, w.db).value());
    auto events = hangar::arrow::schema({hangar::arrow::field("id", hangar::arrow::int64(), false),
                                         hangar::arrow::field("what", hangar::arrow::utf8())});
    Check(w.tables->CreateTable(store::ParseQualifiedName("default.events").value(), events, {"id"}).ok(),
          "table default.events");
    Check(w.tables->CreateTable(store::ParseQualifiedName("sales.orders").value(), events).ok(), "table sales.orders");
    auto relations = sql::Relations::Open(w.db, w.tables, nullptr, nullptr).value();
    w.engine = std::make_unique<sql::SqlEngine>(w.db, relations);
    return w;
  }();
  return world;
}

void RunStatement(const std::string& text) {
  sql::SqlEngine& engine = *TheWorld().engine;
  auto insert = sql::ParseInsert(text);
  if (!insert.ok()) {
    Check(!insert.status().message().empty(), "a refused INSERT says why");
    return;
  }
  if (*insert) {
    if (engine.InsertTarget(**insert).ok() && engine.InsertReads(**insert).ok()) (void)engine.DescribeInsert(**insert);
    return;
  }
  auto reads = engine.RelationsRead(text);
  if (!reads.ok()) {
    Check(!reads.status().message().empty(), "a refused statement says why");
    return;
  }
  (void)engine.Describe(text);
}

template <typename Message>
void RunMetadata(const uint8_t* data, size_t size) {
  Message message;
  if (!message.ParseFromArray(data, static_cast<int>(size))) return;
  google::protobuf::Any any;
  any.PackFrom(message);
  Check(sql::IsMetadataCommand(any), "a metadata command is one");
  auto schema = sql::MetadataSchema(any);
  Check(schema.ok(), "every metadata command has a schema");
  auto batch = sql::RunMetadataCommand(*TheWorld().engine, any);
  if (!batch.ok()) {
    Check(!batch.status().message().empty(), "a refused metadata command says why");
    return;
  }
  Check((*batch)->schema->Equals(**schema, /*check_metadata=*/false), "the result has the promised schema");
  for (const auto& column : (*batch)->columns)
    Check(hangar::arrow::ValidateArray(*column, true).ok(), "a metadata column validates");
}

template <typename Message>
void RunStatementCommand(const uint8_t* data, size_t size) {
  Message message;
  if (message.ParseFromArray(data, static_cast<int>(size))) RunStatement(message.query());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Protobuf logs every string that is not UTF-8; the fuzzer makes many.
  google::protobuf::SetLogHandler(nullptr);
  (void)TheWorld();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t* rest = data + 1;
  const size_t rest_size = size - 1;
  if (data[0] >= 0xF0) {
    RunStatement(std::string(reinterpret_cast<const char*>(rest), rest_size));
    return 0;
  }
  switch (data[0] % 12) {
    case 0: RunMetadata<pb::CommandGetSqlInfo>(rest, rest_size); break;
    case 1: RunMetadata<pb::CommandGetXdbcTypeInfo>(rest, rest_size); break;
    case 2: RunMetadata<pb::CommandGetCatalogs>(rest, rest_size); break;
    case 3: RunMetadata<pb::CommandGetDbSchemas>(rest, rest_size); break;
    case 4: RunMetadata<pb::CommandGetTables>(rest, rest_size); break;
    case 5: RunMetadata<pb::CommandGetTableTypes>(rest, rest_size); break;
    case 6: RunMetadata<pb::CommandGetPrimaryKeys>(rest, rest_size); break;
    case 7: RunMetadata<pb::CommandGetExportedKeys>(rest, rest_size); break;
    case 8: RunMetadata<pb::CommandGetImportedKeys>(rest, rest_size); break;
    case 9: RunMetadata<pb::CommandGetCrossReference>(rest, rest_size); break;
    case 10: RunStatementCommand<pb::CommandStatementQuery>(rest, rest_size); break;
    case 11: RunStatementCommand<pb::CommandStatementUpdate>(rest, rest_size); break;
  }
  return 0;
}
