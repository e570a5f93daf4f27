#include "sql/sessions.h"

#include "flight/rpc_metrics.h"
#include "sql/random_id.h"

namespace hangar::sql {

namespace {

// The value of cookie `name` in a Cookie header ("a=1; b=2").
std::optional<std::string> CookieValue(std::string_view header, std::string_view name) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view pair = header.substr(pos, end - pos);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
    pos = end + 1;
  }
  return std::nullopt;
}

}  // namespace

void SessionStore::DropExpired() {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (now - it->second.last_used <= limits_.idle_timeout) {
      ++it;
      continue;
    }
    by_peer_.erase(it->second.peer);
    it = sessions_.erase(it);
  }
}

std::optional<std::string> SessionStore::IdOf(const flight::ServerCallContext& context) {
  std::optional<std::string> id;
  if (auto cookies = context.header("cookie")) id = CookieValue(*cookies, kSessionCookie);
  if (!id) {
    auto it = by_peer_.find(context.peer());
    if (it != by_peer_.end()) id = it->second;
  }
  if (!id) return std::nullopt;
  auto it = sessions_.find(*id);
  // Another user's session (a stolen or replayed cookie) is not the caller's.
  if (it == sessions_.end() || it->second.user != context.user()) return std::nullopt;
  const auto now = std::chrono::steady_clock::now();
  if (now - it->second.last_used > limits_.idle_timeout) {  // expired: gone
    by_peer_.erase(it->second.peer);
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_used = now;
  return id;
}

SessionOptions SessionStore::Find(const flight::ServerCallContext& context) {
  std::lock_guard lock(mu_);
  auto id = IdOf(context);
  return id ? sessions_[*id].options : SessionOptions{};
}

Status SessionStore::Store(const flight::ServerCallContext& context, SessionOptions options) {
  std::lock_guard lock(mu_);
  if (auto id = IdOf(context)) {
    sessions_[*id].options = std::move(options);
    return Status::OK();
  }
  // Only a new session sweeps the expired ones: finding one stays cheap.
  DropExpired();
  if (static_cast<int64_t>(sessions_.size()) >= limits_.max_sessions) {
    flight::RpcMetrics::Get().Limited("max_sessions");
    return Status::ResourceExhausted("the server holds " + std::to_string(sessions_.size()) +
                                     " Flight SQL sessions, its limit; close sessions that are no longer needed "
                                     "(CloseSession)");
  }
  const std::string id = RandomId();
  // A connection makes one session at a time: a newer one replaces its older.
  if (auto old = by_peer_.find(context.peer()); old != by_peer_.end()) sessions_.erase(old->second);
  sessions_[id] = Session{context.user(), context.peer(), std::move(options), std::chrono::steady_clock::now()};
  by_peer_[context.peer()] = id;
  context.AddResponseHeader("set-cookie", std::string(kSessionCookie) + "=" + id);
  return Status::OK();
}

bool SessionStore::Close(const flight::ServerCallContext& context) {
  std::lock_guard lock(mu_);
  auto id = IdOf(context);
  if (!id) return false;
  by_peer_.erase(sessions_[*id].peer);
  sessions_.erase(*id);
  return true;
}

size_t SessionStore::size() {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

}  // namespace hangar::sql
