// Cuts calls that wait on their client for too long.
//
// A handler waits on its client inside gRPC's synchronous Read (for the next
// message) and Write (for room to send: the client reads nothing). Nothing
// but cancelling the call unblocks it, so a client that opens a stream and
// then goes quiet would hold the call, its stream slot and a gRPC thread for
// as long as it keeps the connection; a thousand of them take every stream
// slot of a server. The watchdog, one thread per server, measures how long
// each call has waited on its client with no message moving either way, and
// cancels a call past its limit with RESOURCE_EXHAUSTED and a message naming
// the limit (gRPC sends that status to the client as the call's own).
//
// Only waiting on the client counts. Time a handler spends on its own work
// (a query, a flush, a Kafka fetch) does not: a live tail of a quiet topic
// waits for records, not for its client, and is never cut for it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "base/status.h"

namespace grpc {
class ServerContext;
}

namespace hangar::flight {

class CallWatchdog {
 public:
  // Checks the calls every `tick`: how late past its limit a call may be cut.
  explicit CallWatchdog(std::chrono::milliseconds tick);
  ~CallWatchdog();
  CallWatchdog(const CallWatchdog&) = delete;
  CallWatchdog& operator=(const CallWatchdog&) = delete;

  struct Entry;

  // A call under watch, for as long as this lives (it must not outlive the
  // call). Default-constructed: not watched; every method is then a no-op.
  class Watch {
   public:
    Watch() = default;
    Watch(Watch&& other) noexcept : owner_(other.owner_), entry_(std::move(other.entry_)) { other.owner_ = nullptr; }
    Watch& operator=(Watch&& other) noexcept;
    ~Watch() { Release(); }

    // Brackets one Read or Write that waits on the client.
    class Waiting {
     public:
      explicit Waiting(Entry* entry);
      Waiting(const Waiting&) = delete;
      Waiting& operator=(const Waiting&) = delete;
      ~Waiting();

     private:
      Entry* entry_;
    };
    Waiting WaitOnClient() const { return Waiting(entry_.get()); }

    // Once the watchdog cut the call: the status it ended with.
    std::optional<Status> cut() const;

   private:
    friend class CallWatchdog;
    Watch(CallWatchdog* owner, std::shared_ptr<Entry> entry) : owner_(owner), entry_(std::move(entry)) {}
    void Release();
    CallWatchdog* owner_ = nullptr;
    std::shared_ptr<Entry> entry_;
  };

  // Watches a call: once it has waited on its client for `limit` with no
  // message moving, it is cancelled with RESOURCE_EXHAUSTED `message`.
  Watch Add(grpc::ServerContext* context, std::chrono::milliseconds limit, std::string message);

 private:
  void Run();
  void Remove(const std::shared_ptr<Entry>& entry);

  const std::chrono::milliseconds tick_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;                   // guarded by mu_
  std::set<std::shared_ptr<Entry>> calls_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace hangar::flight
