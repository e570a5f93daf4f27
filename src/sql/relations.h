// Hangar's tables and topics as DuckDB views, kept in step with the store
// and the Kafka cluster.
//
//   "<namespace>"."<table>"  TableStore::SelectAll of the table's snapshot:
//                            SELECT * FROM read_parquet([<the snapshot's files>])
//                            UNION ALL SELECT * FROM hangar_memtable('<snapshot id>')
//                            (the rows streaming ingest left in memory), or
//                            for a primary-key table the latest row per key
//   kafka."<topic>"          SELECT * FROM hangar_scan('kafka.<topic>')
//
// Parquet files are read by DuckDB itself, so filters and projections reach
// the Parquet reader (row groups skipped by statistics, columns not read).
// Topics are read through the topics path (kafka/topic_reader.h): every
// partition from its first offset to the high watermark seen when the query
// starts, decoded from Avro, with the metadata columns.
//
// SyncNames() learns which tables and topics exist; SyncViews() brings the
// views a statement reads up to date — a table's to its current snapshot, a
// topic's to its current schema (DuckDB refuses a view whose columns changed
// under it). A query syncs, prepares and starts under one lock (Lock()), and
// keeps the snapshots it was bound to (Pins) until it ends, so files an
// overwrite replaces stay readable.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "duckdb/database.h"
#include "duckdb/scan_function.h"
#include "kafka/cluster.h"
#include "kafka/schema_registry.h"
#include "store/table_store.h"

namespace hangar::sql {

// The table snapshots a running query reads.
using Pins = std::vector<store::SnapshotPtr>;

class Relations {
 public:
  // `cluster` and `registry` may be null: no Kafka, no `kafka` schema.
  static Result<std::shared_ptr<Relations>> Open(std::shared_ptr<duckdb::Database> db,
                                                 std::shared_ptr<store::TableStore> tables,
                                                 std::shared_ptr<kafka::KafkaCluster> cluster,
                                                 std::shared_ptr<kafka::SchemaRegistry> registry);

  // Held while a query syncs, prepares and starts.
  std::unique_lock<std::mutex> Lock() { return std::unique_lock(mu_); }
  // Learns which tables and topics exist now (needs Lock()); drops the views
  // of tables that are gone. `fresh_topics`: ask Kafka for its topics even if
  // it was asked a moment ago.
  Status SyncNames(bool fresh_topics = false);
  // Brings the views of `names` up to date (needs Lock(), after SyncNames):
  // a table's view to its current snapshot, a topic's to its current
  // schema. Returns the table snapshots those views read. A statement syncs
  // only what it reads: tables that change all the time under streaming
  // writes cost nothing to statements that do not read them.
  Result<Pins> SyncViews(const std::vector<store::QualifiedName>& names);
  // SyncNames, then every view.
  Result<Pins> Sync(bool fresh_topics = false);
  // Whether `pins` are still the current snapshots of their tables (as of
  // the last SyncNames): a plan bound to them reads the newest data.
  bool Current(const Pins& pins) const;

  // Whether namespace.name is a table or a topic (as of the last Sync).
  bool Exists(const store::QualifiedName& name) const;
  // The relation `name` means in SQL, which matches names whatever their
  // case (see query_check.h). ResolveNow asks Kafka again for a topic not
  // known yet (needs Lock()): Sync reuses the topic names for up to a
  // second, and a topic created just now must still be found.
  Result<std::optional<store::QualifiedName>> Resolve(const store::QualifiedName& name) const;
  Result<std::optional<store::QualifiedName>> ResolveNow(const store::QualifiedName& name);
  // Every relation as of the last Sync, ordered by name; topics under "kafka".
  std::vector<store::QualifiedName> List() const;
  // Its Arrow schema: a table's as stored, a topic's as DoGet serves it.
  Result<arrow::SchemaPtr> Schema(const store::QualifiedName& name) const;

  const std::shared_ptr<store::TableStore>& tables() const { return tables_; }
  bool has_kafka() const { return cluster_ != nullptr; }
  const std::shared_ptr<kafka::KafkaCluster>& kafka() const { return cluster_; }
  // The table function topic views read through: hangar_scan('kafka.<topic>'),
  // or 'kafka.<topic>#<partition>' for one partition.
  static constexpr const char* kTopicScanFunction = "hangar_scan";
  // Changes whenever a topic view is remade or a table view dropped: a plan
  // made at another generation may be bound to what is gone.
  uint64_t generation() const { return generation_.load(); }

 private:
  Relations() = default;
  // A connection to the engine's current instance, with no views yet (needs Lock()).
  Status Reconnect();
  std::chrono::steady_clock::time_point topics_synced_;  // guarded by mu_
  // Makes sure the topics among `names` have views of their current schema (needs Lock()).
  Status SyncTopics(const std::vector<store::QualifiedName>& names);
  // Asks Kafka for its topics unless it was asked less than a second ago
  // (`force`: asks anyway). Every statement syncs; one metadata request per
  // statement, made under the lock, would serialize SQL on a broker round trip.
  Status SyncTopicNames(bool force = false);

  std::shared_ptr<duckdb::Database> db_;
  std::shared_ptr<store::TableStore> tables_;
  std::shared_ptr<kafka::KafkaCluster> cluster_;
  std::shared_ptr<kafka::SchemaRegistry> registry_;
  std::shared_ptr<duckdb::ScanProvider> provider_;  // topics

  std::mutex mu_;                            // serializes Sync and the statements that start under it
  std::unique_ptr<duckdb::Connection> ddl_;  // the connection views are made on; guarded by mu_
  std::set<std::string> schemas_;            // DuckDB schemas made; guarded by mu_
  std::atomic<uint64_t> generation_ = 0;
  mutable std::mutex names_mu_;
  std::map<store::QualifiedName, store::SnapshotPtr>
      current_;  // every table's snapshot at SyncNames; guarded by names_mu_
  std::map<store::QualifiedName, store::SnapshotPtr> views_;  // the snapshot a table's view reads; guarded by mu_
  std::set<std::string> topics_;                              // guarded by names_mu_
  std::map<std::string, arrow::SchemaPtr> topic_views_;       // the schema each topic view has; guarded by mu_
};

}  // namespace hangar::sql
