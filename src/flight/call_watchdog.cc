#include "flight/call_watchdog.h"

#include <grpc/grpc.h>
#include <grpcpp/server_context.h>

#include <utility>

namespace hangar::flight {

namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct CallWatchdog::Entry {
  grpc::ServerContext* context;
  int64_t limit_ns;
  std::string message;
  // Reads and writes waiting on the client now, and since when no message
  // has moved (set when the first wait begins and whenever one ends).
  std::atomic<int> waiting{0};
  std::atomic<int64_t> quiet_since_ns{0};
  std::atomic<bool> cut{false};
};

CallWatchdog::CallWatchdog(std::chrono::milliseconds tick) : tick_(tick) {
  thread_ = std::thread([this] { Run(); });
}

CallWatchdog::~CallWatchdog() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

CallWatchdog::Watch CallWatchdog::Add(grpc::ServerContext* context, std::chrono::milliseconds limit,
                                      std::string message) {
  auto entry = std::make_shared<Entry>();
  entry->context = context;
  entry->limit_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(limit).count();
  entry->message = std::move(message);
  entry->quiet_since_ns = NowNs();
  std::lock_guard lock(mu_);
  calls_.insert(entry);
  return Watch(this, std::move(entry));
}

void CallWatchdog::Remove(const std::shared_ptr<Entry>& entry) {
  // Under the lock: once this returns, the watchdog never touches the call.
  std::lock_guard lock(mu_);
  calls_.erase(entry);
}

void CallWatchdog::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, tick_);
    const int64_t now = NowNs();
    for (const auto& call : calls_) {
      if (call->cut.load() || call->waiting.load() == 0) continue;
      if (now - call->quiet_since_ns.load() < call->limit_ns) continue;
      call->cut = true;
      // Thread-safe, and the call is alive: its Watch, which removes it
      // under mu_, lives as long as the handler.
      grpc_call_cancel_with_status(call->context->c_call(), GRPC_STATUS_RESOURCE_EXHAUSTED, call->message.c_str(),
                                   nullptr);
    }
  }
}

CallWatchdog::Watch& CallWatchdog::Watch::operator=(Watch&& other) noexcept {
  if (this != &other) {
    Release();
    owner_ = std::exchange(other.owner_, nullptr);
    entry_ = std::move(other.entry_);
  }
  return *this;
}

void CallWatchdog::Watch::Release() {
  if (owner_ != nullptr && entry_ != nullptr) owner_->Remove(entry_);
  owner_ = nullptr;
}

std::optional<Status> CallWatchdog::Watch::cut() const {
  if (entry_ == nullptr || !entry_->cut.load()) return std::nullopt;
  return Status::ResourceExhausted(entry_->message);
}

CallWatchdog::Watch::Waiting::Waiting(Entry* entry) : entry_(entry) {
  if (entry_ == nullptr) return;
  // The quiet period starts now unless another wait has it running already.
  // (Stored before the count shows a wait, so the watchdog never pairs a
  // wait with the end of an older one.)
  if (entry_->waiting.load() == 0) entry_->quiet_since_ns = NowNs();
  entry_->waiting.fetch_add(1);
}

CallWatchdog::Watch::Waiting::~Waiting() {
  if (entry_ == nullptr) return;
  entry_->quiet_since_ns = NowNs();
  entry_->waiting.fetch_sub(1);
}

}  // namespace hangar::flight
