// What the mirror and restore tests share: a node (a table store and its
// Iceberg mirror over one data directory and a shared bucket), batches of
// (id, text) rows, and a table's rows as text.
#pragma once

#include <memory>
#include <string>

#include "../store/store_test_util.h"
#include "arrow/pretty_print.h"
#include "iceberg/mirror.h"

namespace hangar::iceberg::testing {

// A node's store and mirror over a data directory and a shared bucket.
struct Node {
  Node(const std::filesystem::path& data, std::shared_ptr<objstore::ObjectStore> bucket) {
    MirrorOptions options;
    options.store = std::move(bucket);
    options.db = store::testing::SharedDuckDb();
    options.scratch = data / "staging";
    mirror = Mirror::Start(options);
    store::StoreOptions store_options;
    store_options.mirror = mirror;
    store = store::testing::OpenStore(data, store_options);
  }
  ~Node() {
    store.reset();
    mirror->Stop();
  }
  std::shared_ptr<Mirror> mirror;
  std::unique_ptr<store::TableStore> store;
};

// Rows first..first+n-1 of a (int64 id, utf8) schema, the text `tag` + id.
inline arrow::RecordBatchPtr TaggedRows(const arrow::SchemaPtr& schema, int64_t first, int64_t n,
                                        const std::string& tag) {
  arrow::PrimitiveBuilder<int64_t> ids(arrow::int64());
  arrow::BinaryBuilder what(arrow::utf8());
  for (int64_t i = first; i < first + n; ++i) {
    ids.Append(i);
    what.Append(tag + std::to_string(i));
  }
  return arrow::MakeRecordBatch(schema, n, {ids.Finish().value(), what.Finish().value()});
}

// Every row a reader of the table sees, as text, in order.
inline std::string Rows(store::TableStore& store, const store::QualifiedName& name) {
  auto snapshot = store.Snapshot(name);
  if (!snapshot.ok()) return snapshot.status().ToString();
  auto source = store.Scan(*snapshot);
  if (!source.ok()) return source.status().ToString();
  auto all = store::testing::ReadAll(source->get());
  if (!all.ok()) return all.status().ToString();
  return *all ? arrow::PrettyPrint(**all, arrow::PrettyPrintOptions{0}) : "(empty)";
}

}  // namespace hangar::iceberg::testing
