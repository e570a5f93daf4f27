#include "server/ingest_stream.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/client_json.h"
#include "flight/status_mapping.h"
#include "store/store_metrics.h"

namespace hangar::server {

namespace {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Acks go out on a thread of their own: the handler's thread is blocked
// reading the client's next batch, and the log's fsync or a flush may
// complete at any moment.
class AckWriter {
 public:
  explicit AckWriter(flight::FlightStreamWriter* out) : out_(out), thread_([this] { Run(); }) {}
  ~AckWriter() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  void Send(std::string ack) {
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(ack));
    }
    cv_.notify_all();
  }

  // Waits until every ack sent so far is written (or writing failed).
  Status Drain() {
    std::unique_lock lock(mu_);
    drained_.wait(lock, [&] { return (queue_.empty() && !writing_) || !failed_.ok(); });
    return failed_;
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return done_ || !queue_.empty(); });
      if (queue_.empty()) return;
      std::string ack = std::move(queue_.front());
      queue_.pop_front();
      writing_ = true;
      lock.unlock();
      Status st = failed_.ok() ? out_->WriteMetadata(arrow::Buffer::FromString(std::move(ack))) : Status::OK();
      lock.lock();
      writing_ = false;
      if (!st.ok() && failed_.ok()) failed_ = st;
      drained_.notify_all();
    }
  }

  flight::FlightStreamWriter* out_;
  std::mutex mu_;
  std::condition_variable cv_, drained_;
  std::deque<std::string> queue_;  // guarded by mu_
  bool writing_ = false;           // guarded by mu_
  bool done_ = false;              // guarded by mu_
  Status failed_;                  // guarded by mu_ (read unlocked only by the writer thread)
  std::thread thread_;
};

// {"batch", "durability_level", "duplicate" (only when true), "error",
// "lsn", "timestamp_us"}: formatted by hand, as one goes out per batch and
// level on the ack's critical path (a JSON object built and dumped cost
// ~20 us of a ~100 us memory ack); only an error's text goes through the
// JSON library, for its escaping.
std::string Ack(int64_t batch, std::optional<uint64_t> lsn, std::string_view level, const Status& st, bool duplicate) {
  std::string out;
  out.reserve(128);
  out += "{\"batch\":";
  out += std::to_string(batch);
  out += ",\"durability_level\":\"";
  out += level;  // one of the level names: nothing to escape
  out += '"';
  if (duplicate) out += ",\"duplicate\":true";
  out += ",\"error\":";
  // Worded as a call's status would be (no internals, no paths).
  out += st.ok() ? std::string("null") : nlohmann::json(flight::ToGrpcStatus(st).error_message()).dump();
  out += ",\"lsn\":";
  out += lsn ? std::to_string(*lsn) : std::string("null");
  out += ",\"timestamp_us\":";
  out += std::to_string(NowMicros());
  out += '}';
  return out;
}

constexpr size_t kMaxKeyBytes = 1024;

Result<std::string> ParseKey(const nlohmann::json& value) {
  if (!value.is_string() || value.get_ref<const std::string&>().empty() ||
      value.get_ref<const std::string&>().size() > kMaxKeyBytes)
    return Status::Invalid("idempotency_key must be a string of 1 to " + std::to_string(kMaxKeyBytes) + " bytes");
  return value.get<std::string>();
}

struct WriteRequest {
  std::optional<std::string> table_name;
  store::Durability durability = store::Durability::kDisk;
  std::string idempotency_key;
};

Result<WriteRequest> ParseWriteRequest(std::string_view text) {
  auto json = ParseClientJson(text);
  if (!json.is_object())
    return Status::Invalid("the WriteRequest in the first message's app_metadata is not a JSON object");
  WriteRequest request;
  for (const auto& [key, value] : json.items()) {
    if (key == "table_name" && value.is_string()) {
      request.table_name = value.get<std::string>();
    } else if (key == "requested_durability" && value.is_string()) {
      HANGAR_ASSIGN_OR_RETURN(request.durability, store::ParseDurability(value.get<std::string>()));
    } else if (key == "idempotency_key") {
      HANGAR_ASSIGN_OR_RETURN(request.idempotency_key, ParseKey(value));
    } else {
      return Status::Invalid("WriteRequest: unknown or mistyped field \"" + key +
                             "\" (table_name, requested_durability, idempotency_key)");
    }
  }
  return request;
}

// A data batch's own app_metadata: {"idempotency_key": "..."}.
Result<std::string> ParseBatchKey(std::string_view text) {
  auto json = ParseClientJson(text);
  if (!json.is_object() || json.size() != 1 || !json.contains("idempotency_key"))
    return Status::Invalid(
        "a data batch's app_metadata may hold only {\"idempotency_key\": \"...\"} (a WriteRequest goes in the first "
        "message)");
  return ParseKey(json["idempotency_key"]);
}

}  // namespace

Status ServeIngestStream(store::Ingest& ingest, const flight::ServerCallContext& context,
                         const store::QualifiedName& table, flight::FlightStreamReader* in,
                         flight::FlightStreamWriter* out) {
  AckWriter acks(out);
  std::mutex mu;
  std::condition_variable settled;
  int64_t outstanding = 0;  // batches not yet at their requested level; guarded by mu

  Status shutting_down;  // set when a batch was refused because the server stops
  auto read_all = [&]() -> Status {
    WriteRequest request;
    int64_t batch_index = 0;
    bool first = true;
    while (true) {
      HANGAR_ASSIGN_OR_RETURN(auto chunk, in->Next());
      if (chunk.end()) return Status::OK();
      const bool has_metadata = chunk.app_metadata && chunk.app_metadata->size() > 0;
      std::string batch_key;
      Status key_error;
      if (has_metadata && first) {
        // The WriteRequest, on the first message (alone or with the first batch).
        HANGAR_ASSIGN_OR_RETURN(request, ParseWriteRequest(chunk.app_metadata->view()));
        if (request.durability > store::Durability::kCommitted && !ingest.mirrored())
          return Status::Invalid("durability level '" + std::string(store::DurabilityName(request.durability)) +
                                 "' needs a server started with --object-store (this one offers memory, disk "
                                 "or committed)");
        if (request.table_name && *request.table_name != table.ToString() && *request.table_name != table.name)
          return Status::Invalid("the WriteRequest names table '" + *request.table_name + "' but the descriptor '" +
                                 table.ToString() + "'");
        // With data, its key is that batch's own; alone, the stream's.
        if (chunk.data != nullptr) batch_key = std::exchange(request.idempotency_key, {});
      } else if (has_metadata) {
        if (chunk.data == nullptr)
          return Status::Invalid("only the first message may carry a WriteRequest (a later one has no data)");
        auto parsed = ParseBatchKey(chunk.app_metadata->view());
        if (parsed.ok()) batch_key = std::move(*parsed);
        key_error = parsed.status();
      }
      first = false;
      if (chunk.data == nullptr) continue;
      const int64_t index = batch_index++;
      // A batch without a key of its own, in a stream with a key K, has the
      // key "K/<its index in the stream>": a whole stream sent again writes
      // only the batches the first attempt did not.
      if (batch_key.empty() && !request.idempotency_key.empty())
        batch_key = request.idempotency_key + "/" + std::to_string(index);
      const store::Durability wanted = request.durability;
      {
        std::lock_guard lock(mu);
        ++outstanding;
      }
      const auto arrived = std::chrono::steady_clock::now();
      auto on_ack = [&, index, wanted, arrived](const store::Ingest::BatchAck& a) {
        acks.Send(Ack(index, a.lsn, store::DurabilityName(a.level), a.status, a.duplicate));
        if (a.status.ok())
          store::StoreMetrics::Get().Acked(
              store::DurabilityName(a.level),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - arrived).count());
        if (a.status.ok() && a.level != wanted) return;
        std::lock_guard lock(mu);
        --outstanding;
        settled.notify_all();
      };
      // The batch's message as it came goes to the log as it is.
      const arrow::ipc::Message* as_received = chunk.message ? &*chunk.message : nullptr;
      auto written = key_error.ok() ? ingest.Write(table, chunk.data, wanted, on_ack, batch_key, as_received)
                                    : Result<store::Ingest::Written>(key_error);
      if (!written.ok()) {
        // Refused before it got an LSN: one ack with the reason, and on.
        // (While the server shuts down every batch is refused so; the
        // stream goes on reading until the client half-closes or the grace
        // period ends, as a connection closed with unread data would lose
        // the acks still on their way to the client.)
        acks.Send(Ack(index, std::nullopt, store::DurabilityName(wanted), written.status(), false));
        if (written.status().code() == StatusCode::kUnavailable) shutting_down = written.status();
        std::lock_guard lock(mu);
        --outstanding;
      }
    }
  };
  Status st = read_all();
  // The acks of every batch taken come before the call ends, whatever ended
  // the reading: their callbacks use this frame. (If the client went away,
  // its batches still reach their levels; nobody hears of it.)
  {
    std::unique_lock lock(mu);
    settled.wait(lock, [&] { return outstanding == 0; });
  }
  Status drained = acks.Drain();
  if (!st.ok()) return st;
  if (!shutting_down.ok()) return shutting_down;
  if (context.is_cancelled()) return Status::Cancelled("the client went away");
  return drained;
}

}  // namespace hangar::server
