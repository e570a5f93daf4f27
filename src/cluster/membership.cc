#include "cluster/membership.h"

#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/json_text.h"
#include "base/log.h"

namespace hangar::cluster {

namespace {

using Clock = std::chrono::steady_clock;

Status ZooError(const std::string& what, int rc) {
  return Status::Unavailable("ZooKeeper: " + what + ": " + zerror(rc));
}

}  // namespace

// One ZooKeeper session: the handle, its state as the library reports it,
// and the synchronous calls Membership makes. The library calls Watcher on
// its own thread; Membership's thread makes every other call.
class Membership::Session {
 public:
  static Result<std::unique_ptr<Session>> Open(const std::string& hosts, std::chrono::milliseconds timeout,
                                               std::function<void()> on_event) {
    std::unique_ptr<Session> session(new Session(std::move(on_event)));
    session->zh_ =
        zookeeper_init(hosts.c_str(), &Session::Watcher, static_cast<int>(timeout.count()), nullptr, session.get(), 0);
    if (session->zh_ == nullptr) return Status::Invalid("ZooKeeper: cannot use the address '" + hosts + "'");
    std::unique_lock lock(session->mu_);
    if (!session->cv_.wait_for(lock, timeout, [&] { return session->connected_ || session->expired_; }) ||
        !session->connected_)
      return Status::Unavailable("ZooKeeper at " + hosts + " did not answer within " + std::to_string(timeout.count()) +
                                 " ms");
    return session;
  }
  ~Session() {
    if (zh_ != nullptr) zookeeper_close(zh_);
  }

  bool expired() const {
    std::lock_guard lock(mu_);
    return expired_;
  }
  // Connected now, or disconnected for less than `grace`: the session may
  // still be alive at the server. Past that the node must assume it is not.
  bool alive(std::chrono::milliseconds grace) const {
    std::lock_guard lock(mu_);
    return !expired_ && (connected_ || Clock::now() - disconnected_at_ < grace);
  }
  int64_t id() const { return zoo_client_id(zh_)->client_id; }

  // Creates a znode; its creation zxid into `czxid` if given.
  Status Create(const std::string& path, const std::string& data, bool ephemeral, int64_t* czxid = nullptr) {
    Stat stat{};
    const int rc = zoo_create2(zh_, path.c_str(), data.data(), static_cast<int>(data.size()), &ZOO_OPEN_ACL_UNSAFE,
                               ephemeral ? ZOO_EPHEMERAL : 0, nullptr, 0, &stat);
    if (rc == ZNODEEXISTS) return Status::AlreadyExists(path);
    if (rc == ZOK && czxid != nullptr) *czxid = static_cast<int64_t>(stat.czxid);
    return rc == ZOK ? Status::OK() : ZooError("creating " + path, rc);
  }
  Status Delete(const std::string& path) {
    const int rc = zoo_delete(zh_, path.c_str(), -1);
    return rc == ZOK || rc == ZNONODE ? Status::OK() : ZooError("deleting " + path, rc);
  }
  // The session that owns an ephemeral node (0: persistent or gone).
  Result<int64_t> Owner(const std::string& path) {
    Stat stat{};
    const int rc = zoo_exists(zh_, path.c_str(), 0, &stat);
    if (rc == ZNONODE) return int64_t{0};
    if (rc != ZOK) return ZooError("reading " + path, rc);
    return static_cast<int64_t>(stat.ephemeralOwner);
  }
  Status Set(const std::string& path, const std::string& data) {
    const int rc = zoo_set(zh_, path.c_str(), data.data(), static_cast<int>(data.size()), -1);
    return rc == ZOK ? Status::OK() : ZooError("writing " + path, rc);
  }
  // The children of `path`; a change to them calls on_event once.
  Result<std::vector<std::string>> WatchChildren(const std::string& path) {
    String_vector strings{};
    const int rc = zoo_wget_children(zh_, path.c_str(), &Session::Watcher, this, &strings);
    if (rc != ZOK) return ZooError("listing " + path, rc);
    std::vector<std::string> out(strings.data, strings.data + strings.count);
    deallocate_String_vector(&strings);
    return out;
  }
  // A node's data; nullopt if it is gone.
  Result<std::optional<std::string>> Get(const std::string& path) {
    std::string buffer(4096, '\0');
    int length = static_cast<int>(buffer.size());
    const int rc = zoo_get(zh_, path.c_str(), 0, buffer.data(), &length, nullptr);
    if (rc == ZNONODE) return std::optional<std::string>();
    if (rc != ZOK) return ZooError("reading " + path, rc);
    buffer.resize(length < 0 ? 0 : static_cast<size_t>(length));
    return std::optional<std::string>(std::move(buffer));
  }

 private:
  explicit Session(std::function<void()> on_event) : on_event_(std::move(on_event)) {}

  static void Watcher(zhandle_t*, int type, int state, const char*, void* context) {
    auto* self = static_cast<Session*>(context);
    {
      std::lock_guard lock(self->mu_);
      if (type == ZOO_SESSION_EVENT) {
        if (state == ZOO_CONNECTED_STATE) {
          self->connected_ = true;
        } else if (state == ZOO_EXPIRED_SESSION_STATE || state == ZOO_AUTH_FAILED_STATE) {
          self->expired_ = true;
          self->connected_ = false;
        } else if (self->connected_) {
          self->connected_ = false;  // connecting again, within the session
          self->disconnected_at_ = Clock::now();
        }
      }
    }
    self->cv_.notify_all();
    if (self->on_event_) self->on_event_();
  }

  const std::function<void()> on_event_;
  zhandle_t* zh_ = nullptr;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool connected_ = false;             // guarded by mu_
  bool expired_ = false;               // guarded by mu_
  Clock::time_point disconnected_at_;  // guarded by mu_
};

std::string MemberId(const std::string& location) {
  std::string id;
  for (char c : location) id.push_back(c == '/' || c == ':' ? '_' : c);
  while (id.find("__") != std::string::npos) id.erase(id.find("__"), 1);
  return id;
}

Result<MembershipOptions> ParseClusterUrl(const std::string& url) {
  constexpr std::string_view kScheme = "zk://";
  if (url.rfind(kScheme, 0) != 0) return Status::Invalid("--cluster wants zk://host:port[/path], not '" + url + "'");
  MembershipOptions options;
  const std::string rest = url.substr(kScheme.size());
  const size_t slash = rest.find('/');
  options.hosts = rest.substr(0, slash);
  if (slash != std::string::npos && slash + 1 < rest.size()) options.root = rest.substr(slash);
  while (options.root.size() > 1 && options.root.back() == '/') options.root.pop_back();
  if (options.hosts.empty()) return Status::Invalid("--cluster '" + url + "' names no ZooKeeper host");
  return options;
}

Membership::Membership(MembershipOptions options)
    : options_(std::move(options)), self_id_(MemberId(options_.location)) {}

Result<std::unique_ptr<Membership>> Membership::Start(MembershipOptions options) {
  zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
  std::unique_ptr<Membership> membership(new Membership(std::move(options)));
  Membership* self = membership.get();
  HANGAR_ASSIGN_OR_RETURN(std::shared_ptr<Session> session, self->OpenSession());
  membership->join_ = membership->options_.join_at_start;
  if (membership->join_)
    HANGAR_RETURN_NOT_OK(membership->Register(*session));
  else
    HANGAR_RETURN_NOT_OK(membership->CreateParents(*session, membership->options_.root + "/nodes/x"));
  HANGAR_RETURN_NOT_OK(membership->Refresh(*session));
  membership->session_ = std::move(session);
  membership->thread_ = std::thread([self] { self->Run(); });
  return membership;
}

Membership::~Membership() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::vector<Member> Membership::members() const {
  std::lock_guard lock(mu_);
  return members_;
}

Status Membership::Join() {
  std::unique_lock lock(mu_);
  join_ = true;
  dirty_ = true;
  changed_.notify_all();
  if (!changed_.wait_for(lock, options_.session_timeout * 2, [this] { return registered_; }))
    return Status::Unavailable("could not join the cluster within " +
                               std::to_string((options_.session_timeout * 2).count()) + " ms");
  return Status::OK();
}

void Membership::SetRejoinGate(std::function<bool()> gate) {
  std::lock_guard lock(mu_);
  rejoin_gate_ = std::move(gate);
}

void Membership::Leave() {
  std::shared_ptr<Session> session;
  {
    std::lock_guard lock(mu_);
    join_ = false;
    registered_ = false;
    session = session_;
  }
  if (session != nullptr) (void)session->Delete(options_.root + "/nodes/" + self_id_);  // else gone already
  log::Info("left the cluster's members");
}

bool Membership::session_alive() const {
  std::lock_guard lock(mu_);
  return session_ != nullptr && session_->alive(options_.session_timeout * 2 / 3);
}

bool Membership::registered() const {
  std::lock_guard lock(mu_);
  return registered_;
}

int64_t Membership::session_id() const {
  std::lock_guard lock(mu_);
  return session_ != nullptr && !session_->expired() ? session_->id() : 0;
}

Result<std::optional<int64_t>> Membership::Lock(const std::string& name) {
  std::shared_ptr<Session> session;
  {
    std::lock_guard lock(mu_);
    session = session_;
  }
  if (session == nullptr || session->expired()) return Status::Unavailable("no ZooKeeper session");
  const std::string path = options_.root + "/locks/" + name;
  HANGAR_RETURN_NOT_OK(CreateParents(*session, path));
  int64_t epoch = 0;
  for (int attempt = 0; attempt < 3; ++attempt) {
    Status st = session->Create(path, self_id_, true, &epoch);
    if (st.ok()) return std::optional<int64_t>(epoch);
    if (st.code() != StatusCode::kAlreadyExists) return st;
    HANGAR_ASSIGN_OR_RETURN(auto holder, session->Get(path));
    if (!holder) continue;                                     // let go just now: try again
    if (*holder != self_id_) return std::optional<int64_t>();  // another node's
    // This node's: either this session's already, or an earlier one's (a
    // restart faster than the session timeout), which is ours to replace.
    HANGAR_ASSIGN_OR_RETURN(const int64_t owner, session->Owner(path));
    if (owner == session->id()) return Status::AlreadyExists("this node holds lock " + name + " already");
    HANGAR_RETURN_NOT_OK(session->Delete(path));
  }
  return std::optional<int64_t>();
}

Status Membership::Unlock(const std::string& name) {
  std::shared_ptr<Session> session;
  {
    std::lock_guard lock(mu_);
    session = session_;
  }
  if (session == nullptr) return Status::OK();  // gone with the session
  return session->Delete(options_.root + "/locks/" + name);
}

Result<std::unique_ptr<Membership::Session>> Membership::OpenSession() {
  // Any event of the session (a state change, a child watch firing) makes
  // the thread read the members again.
  return Session::Open(options_.hosts, options_.session_timeout, [this] {
    std::lock_guard lock(mu_);
    dirty_ = true;
    changed_.notify_all();
  });
}

Status Membership::CreateParents(Session& session, const std::string& path) {
  for (size_t at = path.find('/', 1); at != std::string::npos; at = path.find('/', at + 1)) {
    Status st = session.Create(path.substr(0, at), "", false);
    if (!st.ok() && st.code() != StatusCode::kAlreadyExists) return st;
  }
  return Status::OK();
}

Status Membership::Register(Session& session) {
  HANGAR_RETURN_NOT_OK(CreateParents(session, options_.root + "/nodes/x"));
  const std::string self = options_.root + "/nodes/" + self_id_;
  nlohmann::json data = {{"location", options_.location}, {"load", options_.load ? options_.load() : 0}};
  Status st = session.Create(self, JsonText(data), true);
  if (st.code() == StatusCode::kAlreadyExists) {
    // Left by an earlier session of this node (a crash, a restart faster
    // than the session timeout): it is ours to replace. A live node with the
    // same advertised location would be a configuration error.
    HANGAR_ASSIGN_OR_RETURN(const int64_t owner, session.Owner(self));
    if (owner != session.id()) {
      log::Warn("replacing this node's znode left by an earlier session", {{"znode", self}});
      HANGAR_RETURN_NOT_OK(session.Delete(self));
      st = session.Create(self, JsonText(data), true);
    } else {
      st = Status::OK();
    }
  }
  HANGAR_RETURN_NOT_OK(st);
  log::Info("joined the cluster", {{"zookeeper", options_.hosts}, {"znode", self}, {"location", options_.location}});
  return Status::OK();
}

Status Membership::Refresh(Session& session) {
  const std::string folder = options_.root + "/nodes";
  HANGAR_ASSIGN_OR_RETURN(auto children, session.WatchChildren(folder));
  std::vector<Member> members;
  for (const auto& child : children) {
    HANGAR_ASSIGN_OR_RETURN(auto data, session.Get(folder + "/" + child));
    if (!data) continue;  // left meanwhile
    auto json = nlohmann::json::parse(*data, nullptr, false);
    if (!json.is_object() || !json.contains("location") || !json["location"].is_string()) continue;
    members.push_back({child, json["location"].get<std::string>(), json.value("load", int64_t{0})});
  }
  std::sort(members.begin(), members.end(), [](const Member& a, const Member& b) { return a.id < b.id; });
  const bool self_in = std::any_of(members.begin(), members.end(), [&](const Member& m) { return m.id == self_id_; });
  {
    std::lock_guard lock(mu_);
    if (members != members_) log::Info("cluster members: " + std::to_string(members.size()));
    members_ = std::move(members);
    registered_ = self_in;
  }
  changed_.notify_all();
  return Status::OK();
}

void Membership::Run() {
  std::shared_ptr<Session> session;
  {
    std::lock_guard lock(mu_);
    session = session_;
  }
  // The thread replaces the session; Lock and Unlock borrow it. The session
  // replaced is let go of outside mu_: if that was its last reference,
  // closing it joins the ZooKeeper library's callback thread, which may be
  // waiting for mu_ in the session's own callback (a deadlock that left a
  // node adopted while frozen hanging instead of exiting).
  auto publish = [&] {
    std::shared_ptr<Session> replaced;
    {
      std::lock_guard lock(mu_);
      replaced = std::exchange(session_, session);
    }
  };
  const std::chrono::milliseconds grace = options_.session_timeout * 2 / 3;
  bool session_registered = options_.join_at_start;  // Start registered it
  bool first_session = true;                         // Join registers it
  auto last_report = Clock::now();
  auto wait = [this](std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, d, [this] { return stop_ || dirty_; });
  };
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stop_) break;
    }
    if (session == nullptr || session->expired()) {
      {
        std::lock_guard lock(mu_);
        if (registered_) log::Warn("the ZooKeeper session expired: this node is out of the cluster until it rejoins");
        registered_ = false;
      }
      changed_.notify_all();
      session.reset();
      publish();
      auto fresh = OpenSession();
      if (fresh.ok()) session = std::move(*fresh);
      session_registered = false;
      first_session = false;
      if (session == nullptr) {
        wait(std::chrono::milliseconds(500));
        continue;
      }
      publish();
      std::lock_guard lock(mu_);
      dirty_ = true;
    }
    bool join;
    std::function<bool()> gate;
    {
      std::lock_guard lock(mu_);
      join = join_;
      if (!first_session) gate = rejoin_gate_;
    }
    if (join && !session_registered && gate && !gate()) {
      wait(std::chrono::milliseconds(250));
      continue;
    }
    if (join && !session_registered) {
      if (Status st = Register(*session); st.ok()) {
        session_registered = true;
        std::lock_guard lock(mu_);
        dirty_ = true;
      } else {
        log::Warn("joining the cluster failed (will retry)", {{"error", st.ToString()}});
        wait(std::chrono::milliseconds(500));
        continue;
      }
    }
    // Cut off from ZooKeeper for most of the session timeout: the session
    // may already be gone at the server, and another node may act on that.
    if (!session->alive(grace)) {
      std::lock_guard lock(mu_);
      if (registered_) log::Warn("cut off from ZooKeeper: this node stops counting itself a member");
      registered_ = false;
    }
    bool dirty;
    {
      std::lock_guard lock(mu_);
      dirty = std::exchange(dirty_, false);
    }
    // Loads change without membership events: report ours and re-read
    // everyone's every 2 s.
    if (Clock::now() - last_report > std::chrono::seconds(2)) {
      last_report = Clock::now();
      if (options_.load && join) {
        nlohmann::json data = {{"location", options_.location}, {"load", options_.load()}};
        // A failure here is a lost connection, which the session's state
        // reports and the loop above handles; the next report retries.
        (void)session->Set(options_.root + "/nodes/" + self_id_, JsonText(data));
      }
      dirty = true;
    }
    if (dirty) {
      if (Status st = Refresh(*session); !st.ok()) {
        std::lock_guard lock(mu_);
        dirty_ = true;  // retried after the wait
      }
    }
    wait(std::chrono::milliseconds(250));
  }
  session.reset();
  publish();  // closing the session (its last owner) removes the znode at once
}

}  // namespace hangar::cluster
