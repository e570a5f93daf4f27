// Cluster membership through ZooKeeper.
//
// Each node holds an ephemeral znode <root>/nodes/<id> whose data is its
// advertised location and load (JSON). ZooKeeper deletes it when the node's
// session ends (a clean close at once; a crash or a partition after the
// session timeout), so the children of <root>/nodes are the live members;
// every node watches them. A node whose session expires stops counting
// itself a member (`registered()` turns false) until it has a new session
// and has registered again: that is the fencing later ownership decisions
// build on.
//
// Consensus is ZooKeeper's; Hangar only reads and watches it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"

namespace hangar::cluster {

struct Member {
  std::string id;        // the znode's name
  std::string location;  // grpc://host:port, where clients reach it
  int64_t load = 0;      // streams it serves, as it last reported
  bool operator==(const Member&) const = default;
};

struct MembershipOptions {
  std::string hosts;             // ZooKeeper's "host:port,host:port"
  std::string root = "/hangar";  // the cluster's znode
  std::string location;          // this node's advertised location
  std::chrono::milliseconds session_timeout{6000};
  std::function<int64_t()> load;  // sampled every few seconds (may be empty)
  // Register at Start (true), or only at Join: a node that must hold locks
  // before it can serve (its table folder) connects first and joins later.
  bool join_at_start = true;
};

// zk://host:port[,host:port...][/path] into hosts and root (default /hangar).
Result<MembershipOptions> ParseClusterUrl(const std::string& url);

class Membership {
 public:
  // Connects and (with join_at_start) registers; fails if ZooKeeper cannot
  // be reached within the session timeout.
  static Result<std::unique_ptr<Membership>> Start(MembershipOptions options);
  // Registers (when Start did not); waits until the node is a member.
  Status Join();
  // Asked before the node registers again with a new session (after one
  // expired): false holds the registration back (asked again shortly). A
  // node that writes under a lock rejoins only once it holds it again.
  void SetRejoinGate(std::function<bool()> gate);
  // Leaves the members (its znode goes at once) but keeps the session and
  // its locks: a node shutting down stops getting work first, and lets go of
  // what it locked only when it closes (the destructor).
  void Leave();
  ~Membership();  // closes the session: the node leaves at once

  const std::string& self_id() const { return self_id_; }
  const std::string& location() const { return options_.location; }
  // The live members (this node included while registered), by id.
  std::vector<Member> members() const;
  // Whether this node's session currently holds its znode.
  bool registered() const;
  // Whether the session is connected, or was lately enough that it may not
  // have expired at the server: false from two thirds of the session
  // timeout without a connection. What a lock holder's fencing asks.
  bool session_alive() const;
  // The current session's id (0 while there is none). A new id means the
  // old session expired, and every lock it held went with it.
  int64_t session_id() const;

  // Locks: the ephemeral znode <root>/locks/<name>, holding this node's id,
  // held until Unlock or the end of the session. Lock returns the lock's
  // epoch — the znode's creation zxid, larger for every later holder, so
  // whoever holds a lock can stamp what it writes and a later holder can
  // tell — or nullopt if another node holds it. A lock left by an earlier
  // session of this node is taken over.
  Result<std::optional<int64_t>> Lock(const std::string& name);
  Status Unlock(const std::string& name);

  class Session;

 private:
  explicit Membership(MembershipOptions options);
  void Run();
  Result<std::unique_ptr<Session>> OpenSession();
  // Creates the folders of `path` (made by whichever node comes first).
  Status CreateParents(Session& session, const std::string& path);
  Status Register(Session& session);
  Status Refresh(Session& session);

  const MembershipOptions options_;
  const std::string self_id_;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::vector<Member> members_;        // guarded by mu_
  bool registered_ = false;            // guarded by mu_
  bool stop_ = false;                  // guarded by mu_
  bool dirty_ = true;                  // guarded by mu_: the children changed
  bool join_ = false;                  // guarded by mu_: registering is wanted
  std::function<bool()> rejoin_gate_;  // guarded by mu_
  // The thread's session, shared with Lock and Unlock; guarded by mu_.
  std::shared_ptr<Session> session_;
  std::thread thread_;
};

// The id a location gets as a znode name: grpc://127.0.0.1:8815 -> grpc_127.0.0.1_8815.
std::string MemberId(const std::string& location);

}  // namespace hangar::cluster
