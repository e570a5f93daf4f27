// A FlightService for the Flight layer's tests: it implements every RPC with
// behaviour a test can steer through tickets, descriptors and action types,
// and records what it saw so tests can assert on the server side too.
//
//   DoGet tickets:  "ints:B:R"     B batches of R rows (id int64, name utf8)
//                   "dict:B"       B batches with a dictionary column; the
//                                  dictionary grows by a delta each batch
//                   "endless"      batches until the call is cancelled
//                   "fail-after:K" K batches, then INVALID_ARGUMENT
//                   "bytes:N"      one batch with one binary value of N bytes
//   DoPut:          stores the batches under the descriptor's path (joined
//                   with "."), only if the stream ends cleanly; one PutResult
//                   per batch holding the running row count
//                   (a path starting "gather" reads the whole stream with
//                   ReadAll first, as handlers that commit at the end do)
//   DoExchange:     echoes every batch and app_metadata back
//   DoAction:       "echo" (body back, twice), "io-error" (an IOError naming a
//                   private path), "throw" (a C++ exception), "slow" (waits
//                   for cancellation)
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "arrow/test_util.h"
#include "flight/server.h"

namespace hangar::flight::testing {

inline arrow::SchemaPtr IntsSchema() {
  return arrow::schema({arrow::field("id", arrow::int64(), false), arrow::field("name", arrow::utf8())});
}

inline arrow::RecordBatchPtr IntsBatch(int64_t first, int64_t rows) {
  std::vector<int64_t> ids;
  std::vector<std::optional<std::string>> names;
  for (int64_t i = 0; i < rows; ++i) {
    ids.push_back(first + i);
    names.push_back((first + i) % 7 == 3 ? std::nullopt
                                         : std::optional<std::string>("row-" + std::to_string(first + i)));
  }
  return arrow::MakeRecordBatch(IntsSchema(), rows,
                                {arrow::testing::Column<int64_t>(arrow::int64(), ids), arrow::testing::Strings(names)});
}

inline arrow::SchemaPtr DictSchema() {
  return arrow::schema({arrow::field("color", arrow::dictionary(arrow::int32(), arrow::utf8()))});
}

// Batch k uses dictionary entries 0..k+1 (so each batch adds one).
inline arrow::RecordBatchPtr DictBatch(int k) {
  std::vector<std::optional<std::string>> words;
  for (int i = 0; i <= k + 1; ++i) words.push_back("color-" + std::to_string(i));
  std::vector<int32_t> indices;
  for (int i = 0; i < 10; ++i) indices.push_back(i % (k + 2));
  auto index_array = arrow::testing::Column<int32_t>(arrow::int32(), indices);
  auto column = arrow::MakeArray(DictSchema()->field(0)->type(), 10, index_array->buffers, {}, 0, 0,
                                 arrow::testing::Strings(words));
  return arrow::MakeRecordBatch(DictSchema(), 10, {column});
}

class TestFlightService : public FlightService {
 public:
  // Server-side observations.
  std::atomic<bool> saw_cancellation{false};
  std::atomic<int> puts_failed{0};
  std::atomic<int> handlers_running{0};
  std::mutex mu;
  std::map<std::string, std::vector<arrow::RecordBatchPtr>> stored;  // guarded by mu
  // "user:password" that GetFlightInfo last found passed on, or "none".
  std::string credentials_seen;  // guarded by mu

  Result<AccessRequest> AccessFor(const ServerCallContext&, const CallRequest& request) override {
    auto name_of = [](const FlightDescriptor& d) {
      std::string out;
      for (const auto& p : d.path) out += (out.empty() ? "" : ".") + p;
      return out;
    };
    switch (request.method) {
      case FlightMethod::kDoGet: return AccessRequest{auth::Access::kRead, "default." + request.ticket->ticket};
      case FlightMethod::kDoPut:
      case FlightMethod::kDoExchange: return AccessRequest{auth::Access::kWrite, name_of(*request.descriptor)};
      case FlightMethod::kDoAction: return AccessRequest{auth::Access::kAdmin, "*"};
      case FlightMethod::kListActions: return AccessRequest{auth::Access::kRead, "*"};
      default: return AccessRequest{auth::Access::kRead, name_of(*request.descriptor)};
    }
  }

  Result<std::vector<FlightInfo>> ListFlights(const ServerCallContext& context, const Criteria&) override {
    std::vector<FlightInfo> out;
    for (const char* name : {"alpha", "beta"}) {
      HANGAR_ASSIGN_OR_RETURN(auto info, GetFlightInfo(context, FlightDescriptor::Path({"default", name})));
      out.push_back(std::move(info));
    }
    return out;
  }

  Result<FlightInfo> GetFlightInfo(const ServerCallContext& context, const FlightDescriptor& descriptor) override {
    {
      std::lock_guard lock(mu);
      auto credentials = context.credentials();
      credentials_seen = credentials ? credentials->user() + ":" + credentials->password() : "none";
    }
    if (descriptor.type != FlightDescriptor::Type::kPath || descriptor.path.size() != 2 ||
        descriptor.path[0] != "default")
      return Status::NotFound("no flight " + descriptor.ToString());
    FlightInfo info;
    info.schema = IntsSchema();
    info.descriptor = descriptor;
    info.endpoints.push_back({Ticket{"ints:2:5"}, {Location{"grpc://127.0.0.1:1"}}, std::nullopt, "ep-meta"});
    info.total_records = 10;
    info.total_bytes = 1234;
    info.ordered = true;
    info.app_metadata = "info-meta";
    return info;
  }

  Result<PollInfo> PollFlightInfo(const ServerCallContext& context, const FlightDescriptor& descriptor) override {
    PollInfo poll;
    HANGAR_ASSIGN_OR_RETURN(poll.info, GetFlightInfo(context, descriptor));
    poll.progress = 1.0;
    return poll;
  }

  Result<arrow::SchemaPtr> GetSchema(const ServerCallContext& context, const FlightDescriptor& descriptor) override {
    HANGAR_ASSIGN_OR_RETURN(auto info, GetFlightInfo(context, descriptor));
    return info.schema;
  }

  Status DoGet(const ServerCallContext& context, const Ticket& ticket, FlightStreamWriter* out) override {
    Running running(this);
    const std::string& t = ticket.ticket;
    int a = 0, b = 0;
    if (std::sscanf(t.c_str(), "ints:%d:%d", &a, &b) == 2) {
      HANGAR_RETURN_NOT_OK(out->Begin(IntsSchema()));
      for (int i = 0; i < a; ++i) HANGAR_RETURN_NOT_OK(out->WriteRecordBatch(*IntsBatch(int64_t{i} * b, b)));
      return Status::OK();
    }
    if (std::sscanf(t.c_str(), "dict:%d", &a) == 1) {
      HANGAR_RETURN_NOT_OK(out->Begin(DictSchema()));
      for (int i = 0; i < a; ++i) HANGAR_RETURN_NOT_OK(out->WriteRecordBatch(*DictBatch(i)));
      return Status::OK();
    }
    if (std::sscanf(t.c_str(), "fail-after:%d", &a) == 1) {
      HANGAR_RETURN_NOT_OK(out->Begin(IntsSchema()));
      for (int i = 0; i < a; ++i) HANGAR_RETURN_NOT_OK(out->WriteRecordBatch(*IntsBatch(i, 3)));
      return Status::Invalid("the test stream fails after " + std::to_string(a) + " batches");
    }
    if (std::sscanf(t.c_str(), "bytes:%d", &a) == 1) {
      auto s = arrow::schema({arrow::field("blob", arrow::binary())});
      std::vector<std::optional<std::string>> one{std::string(static_cast<size_t>(a), 'x')};
      auto strings = arrow::testing::Strings(one);
      auto column = arrow::MakeArray(arrow::binary(), 1, strings->buffers);
      HANGAR_RETURN_NOT_OK(out->Begin(s));
      return out->WriteRecordBatch(*arrow::MakeRecordBatch(s, 1, {column}));
    }
    if (t == "endless") {
      HANGAR_RETURN_NOT_OK(out->Begin(IntsSchema()));
      for (int64_t i = 0;; ++i) {
        if (context.is_cancelled()) {
          saw_cancellation = true;
          return Status::Cancelled("cancelled");
        }
        Status written = out->WriteRecordBatch(*IntsBatch(i, 100));
        if (!written.ok()) {
          saw_cancellation = true;
          return written;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    }
    return Status::NotFound("unknown test ticket '" + t + "'");
  }

  Status DoPut(const ServerCallContext&, const FlightDescriptor& descriptor, FlightStreamReader* in,
               PutResultWriter* results) override {
    Running running(this);
    std::string name;
    for (const auto& p : descriptor.path) name += (name.empty() ? "" : ".") + p;
    if (!descriptor.path.empty() && descriptor.path[0] == "gather") {
      HANGAR_ASSIGN_OR_RETURN(auto all, in->ReadAll());
      std::lock_guard lock(mu);
      stored[name] = std::move(all);
      return Status::OK();
    }
    std::vector<arrow::RecordBatchPtr> batches;
    int64_t rows = 0;
    while (true) {
      auto chunk = in->Next();
      if (!chunk.ok()) {
        ++puts_failed;
        return chunk.status();
      }
      if (chunk->end()) break;
      if (chunk->data) {
        rows += chunk->data->num_rows;
        batches.push_back(chunk->data);
        HANGAR_RETURN_NOT_OK(results->Write(std::to_string(rows)));
      }
    }
    std::lock_guard lock(mu);
    auto& slot = stored[name];
    slot.insert(slot.end(), batches.begin(), batches.end());
    return Status::OK();
  }

  Status DoExchange(const ServerCallContext&, const FlightDescriptor&, FlightStreamReader* in,
                    FlightStreamWriter* out) override {
    Running running(this);
    while (true) {
      HANGAR_ASSIGN_OR_RETURN(auto chunk, in->Next());
      if (chunk.end()) return Status::OK();
      if (chunk.data) {
        if (!out->started()) HANGAR_RETURN_NOT_OK(out->Begin(chunk.data->schema));
        HANGAR_RETURN_NOT_OK(out->WriteRecordBatch(*chunk.data, chunk.app_metadata));
      } else {
        HANGAR_RETURN_NOT_OK(out->WriteMetadata(chunk.app_metadata));
      }
    }
  }

  Result<std::vector<ActionResult>> DoAction(const ServerCallContext& context, const Action& action) override {
    if (action.type == "echo") return std::vector<ActionResult>{{action.body}, {action.body}};
    if (action.type == "io-error") return Status::IOError("cannot open /var/lib/secret/table.parquet: disk on fire");
    if (action.type == "throw") throw std::runtime_error("handler bug at /src/secret.cc:42");
    if (action.type == "slow") {
      while (!context.is_cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      saw_cancellation = true;
      return Status::Cancelled("cancelled");
    }
    return FlightService::DoAction(context, action);
  }

  Result<std::vector<ActionType>> ListActions(const ServerCallContext&) override {
    return std::vector<ActionType>{{"echo", "returns the body twice"}, {"io-error", "fails"}};
  }

 private:
  struct Running {
    explicit Running(TestFlightService* s) : s_(s) { ++s_->handlers_running; }
    ~Running() { --s_->handlers_running; }
    TestFlightService* s_;
  };
};

}  // namespace hangar::flight::testing
