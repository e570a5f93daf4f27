// Tables as flights: ListFlights entries, FlightInfo with one endpoint per
// group of Parquet files, DoGet of an endpoint, DoPut (create, append,
// overwrite) and DoExchange (streaming ingest, ingest_stream.h); in a
// cluster sharing tables, writes to a table another node writes go on to
// it (table_forwarding.h).
//
// Descriptors name tables by path ([name] or [namespace, name]); a DoPut
// may instead use a command descriptor, JSON {"table": "ns.name", "mode":
// "append" | "create" | "overwrite"}, and a GetFlightInfo one with
// "partitions" to read only those. Tickets that GetFlightInfo hands out
// are JSON {"table": "ns.name", "files": [...]}: the files of one endpoint
// (a group of the table's Parquet files). A bare table name is accepted as a
// ticket too (the Arrow cookbook's clients send one) and reads everything.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "flight/server.h"
#include "server/folder_ownership.h"
#include "server/table_forwarding.h"
#include "store/ingest.h"
#include "store/names.h"
#include "store/table_store.h"

namespace hangar::server {

using store::QualifiedName;

// What a ticket asks for.
struct TableTicket {
  QualifiedName name;
  std::optional<std::vector<std::string>> files;  // none: the whole table as it is now
  std::vector<std::string> partitions;            // of a partitioned table: only these
};

// What a descriptor names, with the put mode a command descriptor may ask
// for, or the partitions it reads.
struct TableTarget {
  QualifiedName name;
  store::PutMode mode = store::PutMode::kAppend;
  std::vector<std::string> partitions;  // none: all
};

class TableFlights {
 public:
  // `ingest` null: a server without streaming ingest (DoExchange).
  TableFlights(std::shared_ptr<store::TableStore> tables, std::shared_ptr<store::Ingest> ingest);

  // Shares tables with the other nodes (folder_ownership.h).
  void SetTableOwners(std::shared_ptr<FolderOwnership> folders, TableForwarding forwarding);

  static std::string TicketFor(const QualifiedName& name, const std::vector<std::string>& files,
                               const std::vector<std::string>& partitions = {});
  Result<TableTicket> ParseTicket(std::string_view ticket) const;
  static Result<TableTarget> TargetOf(const flight::FlightDescriptor& descriptor);
  // A table named in text ("users", "sales.orders", "uploaded.parquet").
  Result<QualifiedName> ResolveName(std::string_view text) const;

  Result<std::vector<flight::FlightInfo>> List() const;
  // `descriptor` is echoed in the answer.
  Result<flight::FlightInfo> Info(const TableTarget& target, const flight::FlightDescriptor& descriptor) const;
  Result<arrow::SchemaPtr> Schema(const TableTarget& target) const;
  Status Get(const flight::ServerCallContext& context, const TableTicket& ticket,
             flight::FlightStreamWriter* out) const;
  // Writes a put's rows into table `name` (in a cluster, on the node that
  // writes it: the call goes on there as it came, `descriptor` and all);
  // `answer` words the PutResult. The table must exist when `must_exist`.
  Status Put(const flight::ServerCallContext& context, const flight::FlightDescriptor& descriptor,
             const QualifiedName& name, store::PutMode mode, bool must_exist, flight::FlightStreamReader* in,
             flight::PutResultWriter* out, const std::function<std::string(const store::PutResult&)>& answer) const;
  // A table put's PutResult: {"table", "rows", "bytes", "created", "version"}.
  static std::string PutAnswer(const QualifiedName& name, const store::PutResult& result);
  // Streaming ingest into an existing table (ingest_stream.h).
  Status Exchange(const flight::ServerCallContext& context, const flight::FlightDescriptor& descriptor,
                  const QualifiedName& name, flight::FlightStreamReader* in, flight::FlightStreamWriter* out) const;
  // DescribeTable's answer: schema, rows, size, files, as JSON.
  Result<std::string> Describe(const QualifiedName& name) const;

  // Where a write to `name` goes: nullopt here, else the writer's location.
  Result<std::optional<std::string>> WriterOf(const flight::ServerCallContext& context,
                                              const QualifiedName& name) const;
  const TableForwarding& forwarding() const { return forwarding_; }
  const std::shared_ptr<FolderOwnership>& folders() const { return folders_; }
  const std::shared_ptr<store::TableStore>& store() const { return tables_; }
  const std::shared_ptr<store::Ingest>& ingest() const { return ingest_; }

 private:
  Result<flight::FlightInfo> InfoFor(const store::SnapshotPtr& snapshot,
                                     const std::vector<std::string>& partitions = {}) const;

  std::shared_ptr<store::TableStore> tables_;
  std::shared_ptr<store::Ingest> ingest_;
  std::shared_ptr<FolderOwnership> folders_;  // null: tables are this node's own
  TableForwarding forwarding_;
};

}  // namespace hangar::server
