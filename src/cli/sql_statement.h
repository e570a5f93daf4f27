// One SQL statement run by `hangar sql`, which Ctrl-C may cancel from
// another thread: the server is asked to stop the query (CancelFlightInfo)
// and the stream being read is cancelled, so the prompt comes back at once
// and the server stops spending on it.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "cli/batch_sinks.h"
#include "flight/client.h"

namespace hangar::cli {

class StatementRun {
 public:
  explicit StatementRun(flight::FlightClient& client) : client_(client) {}

  // Runs `sql`: a query's rows go to the sink `make_sink` gives; an INSERT
  // prints the rows it wrote on stderr. A cancelled run is CANCELLED.
  Status Run(const std::string& sql, const std::function<Result<std::unique_ptr<BatchSink>>()>& make_sink);
  // Thread-safe; a no-op when nothing runs.
  void Cancel();

 private:
  Status Query(const std::string& sql, BatchSink& sink);

  flight::FlightClient& client_;
  std::mutex mu_;
  bool cancelled_ = false;                       // guarded by mu_
  std::optional<flight::FlightInfo> info_;       // guarded by mu_: the query to cancel
  flight::RecordBatchReader* reader_ = nullptr;  // guarded by mu_: the stream being read
};

}  // namespace hangar::cli
