// The client side of Flight SQL, as far as Hangar's CLI, tests and
// benchmarks need it: a statement query (GetFlightInfo, then DoGet of each
// endpoint) and a statement update (DoPut, DoPutUpdateResult).
#pragma once

#include <functional>
#include <string>

#include "flight/client.h"

namespace hangar::sql {

// The descriptor of a statement query (CommandStatementQuery) for GetFlightInfo.
flight::FlightDescriptor StatementQueryDescriptor(const std::string& sql);

// Runs `sql`: `begin` gets the result's schema, then `batch` each batch.
Status RunClientQuery(flight::FlightClient& client, const std::string& sql,
                      const std::function<Status(const arrow::SchemaPtr&)>& begin,
                      const std::function<Status(const arrow::RecordBatch&)>& batch);

// Asks the server to cancel the query behind `info` (CancelFlightInfo);
// true when it was running and is cancelled.
Result<bool> CancelClientQuery(flight::FlightClient& client, const flight::FlightInfo& info);

// Runs an update (INSERT); returns the rows it wrote.
Result<int64_t> RunClientUpdate(flight::FlightClient& client, const std::string& sql);

}  // namespace hangar::sql
