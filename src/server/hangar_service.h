// The Hangar Flight service: routes descriptors, tickets and actions to the
// subsystems that serve them.
//
// Datasets are kept in memory for now (put, list, get, drop), with the
// contracts of the design brief: names are checked, a DoPut is atomic (its
// batches appear together when the stream ends cleanly, or not at all), a
// schema mismatch names the first differing field, tickets are JSON or a
// bare table name. Durable Parquet-backed tables replace the in-memory map
// without changing this interface.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "flight/server.h"
#include "server/names.h"

namespace hangar::server {

class HangarService : public flight::FlightService {
 public:
  HangarService();

  Result<flight::AccessRequest> AccessFor(const flight::ServerCallContext& context,
                                          const flight::CallRequest& request) override;
  Result<std::vector<flight::FlightInfo>> ListFlights(const flight::ServerCallContext& context,
                                                      const flight::Criteria& criteria) override;
  Result<flight::FlightInfo> GetFlightInfo(const flight::ServerCallContext& context,
                                           const flight::FlightDescriptor& descriptor) override;
  Result<arrow::SchemaPtr> GetSchema(const flight::ServerCallContext& context,
                                     const flight::FlightDescriptor& descriptor) override;
  Status DoGet(const flight::ServerCallContext& context, const flight::Ticket& ticket,
               flight::FlightStreamWriter* out) override;
  Status DoPut(const flight::ServerCallContext& context, const flight::FlightDescriptor& descriptor,
               flight::FlightStreamReader* in, flight::PutResultWriter* out) override;
  Result<std::vector<flight::ActionResult>> DoAction(const flight::ServerCallContext& context,
                                                     const flight::Action& action) override;
  Result<std::vector<flight::ActionType>> ListActions(const flight::ServerCallContext& context) override;

  // The ticket GetFlightInfo hands out for a table: {"table": "ns.name"}.
  static std::string TicketFor(const QualifiedName& name);
  // Accepts a Hangar ticket or a bare table name (the Arrow cookbook's).
  static Result<QualifiedName> ParseTicket(std::string_view ticket);

 private:
  struct Dataset {
    arrow::SchemaPtr schema;
    std::vector<arrow::RecordBatchPtr> batches;
    int64_t rows = 0;
    int64_t bytes = 0;
  };
  using Snapshot = std::shared_ptr<const Dataset>;

  Result<QualifiedName> TableOf(const flight::FlightDescriptor& descriptor) const;
  Result<Snapshot> Find(const QualifiedName& name) const;
  flight::FlightInfo InfoFor(const QualifiedName& name, const Dataset& dataset) const;
  Status Drop(std::string_view name);

  mutable std::mutex mu_;
  // Readers take a snapshot (a shared_ptr) and stream it without the lock; a
  // DoPut publishes a new snapshot in one assignment, which is what makes it
  // atomic for readers.
  std::map<QualifiedName, Snapshot> datasets_;  // guarded by mu_
};

}  // namespace hangar::server
