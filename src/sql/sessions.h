// Flight SQL sessions: what a client set with SetSessionOptions (its current
// schema), kept between its calls until CloseSession or expiry.
//
// A session is found by the cookie `arrow_flight_session_id` that
// SetSessionOptions hands out (Set-Cookie; the JDBC driver and ADBC with its
// cookie middleware send it back), or else by the client's connection (its
// address and port: ADBC without cookies is one gRPC connection per ADBC
// connection). Either way it belongs to the user that made it: another
// user's call never sees it.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "flight/server.h"

namespace hangar::sql {

inline constexpr std::string_view kSessionCookie = "arrow_flight_session_id";

// What a session holds. Unset options take their defaults.
struct SessionOptions {
  std::optional<std::string> schema;  // the namespace bare names resolve in (default: `default`)
};

// Sessions open at once, and how long an unused one lives.
struct SessionLimits {
  int64_t max_sessions = 10000;
  std::chrono::milliseconds idle_timeout = std::chrono::hours(8);
};

class SessionStore {
 public:
  explicit SessionStore(SessionLimits limits = {}) : limits_(limits) {}

  // The options of the caller's session (the defaults when it has none).
  SessionOptions Find(const flight::ServerCallContext& context);
  // Replaces the caller's session options, making the session (and sending
  // its cookie) if it has none. RESOURCE_EXHAUSTED when the server holds
  // its limit of sessions.
  Status Store(const flight::ServerCallContext& context, SessionOptions options);
  // Ends the caller's session; false if it had none.
  bool Close(const flight::ServerCallContext& context);

  size_t size();

 private:
  struct Session {
    std::string user;
    std::string peer;  // the connection that made it
    SessionOptions options;
    std::chrono::steady_clock::time_point last_used;
  };
  // The caller's session id (by cookie, else by connection), if it has a
  // live session (an expired one it finds is dropped). Needs mu_.
  std::optional<std::string> IdOf(const flight::ServerCallContext& context);
  void DropExpired();  // every expired session, before a new one counts against the limit; needs mu_

  const SessionLimits limits_;
  std::mutex mu_;
  std::map<std::string, Session> sessions_;     // by id; guarded by mu_
  std::map<std::string, std::string> by_peer_;  // connection -> id; guarded by mu_
};

}  // namespace hangar::sql
