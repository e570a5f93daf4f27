// Flight SQL sessions (found by cookie or by connection, owned by their
// user) and the column metadata of result schemas.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "sql/column_metadata.h"
#include "sql/sessions.h"

namespace hangar::sql {
namespace {

// A call as the session store sees it: user, connection, headers.
class FakeCall : public flight::ServerCallContext {
 public:
  FakeCall(std::string user, std::string peer, std::string cookie = "")
      : user_(std::move(user)), peer_(std::move(peer)), cookie_(std::move(cookie)) {}
  const std::string& user() const override { return user_; }
  std::string peer() const override { return peer_; }
  bool is_cancelled() const override { return false; }
  std::optional<std::string> header(std::string_view key) const override {
    if (key == "cookie" && !cookie_.empty()) return cookie_;
    return std::nullopt;
  }
  bool Allows(flight::auth::Access, std::string_view) const override { return true; }
  void AddResponseHeader(const std::string& key, const std::string& value) const override { sent_[key] = value; }
  // The cookie a Set-Cookie header handed out, as a client sends it back.
  std::string SentCookie() const { return sent_.count("set-cookie") ? sent_.at("set-cookie") : ""; }

 private:
  std::string user_, peer_, cookie_;
  mutable std::map<std::string, std::string> sent_;
};

SessionOptions WithSchema(std::string schema) { return SessionOptions{std::move(schema)}; }

TEST(SessionStore, FoundByConnectionAndByCookie) {
  SessionStore store;
  FakeCall first("ann", "ipv4:127.0.0.1:5000");
  EXPECT_FALSE(store.Find(first).schema.has_value());
  ASSERT_TRUE(store.Store(first, WithSchema("sales")).ok());
  const std::string cookie = first.SentCookie();
  ASSERT_EQ(cookie.rfind("arrow_flight_session_id=", 0), 0u) << cookie;

  // The same connection, without cookies (ADBC's default).
  EXPECT_EQ(store.Find(FakeCall("ann", "ipv4:127.0.0.1:5000")).schema, "sales");
  // Another connection sending the cookie back (among others), as JDBC does.
  EXPECT_EQ(store.Find(FakeCall("ann", "ipv4:127.0.0.1:6000", "theme=dark; " + cookie)).schema, "sales");
  // Another connection without it: a session of its own.
  EXPECT_FALSE(store.Find(FakeCall("ann", "ipv4:127.0.0.1:7000")).schema.has_value());
  EXPECT_EQ(store.size(), 1u);
}

TEST(SessionStore, AnotherUserNeverSeesTheSession) {
  SessionStore store;
  FakeCall ann("ann", "ipv4:127.0.0.1:5000");
  ASSERT_TRUE(store.Store(ann, WithSchema("sales")).ok());
  EXPECT_FALSE(store.Find(FakeCall("bob", "ipv4:127.0.0.1:5000")).schema.has_value());
  EXPECT_FALSE(store.Find(FakeCall("bob", "ipv4:127.0.0.1:6000", ann.SentCookie())).schema.has_value());
  EXPECT_FALSE(store.Close(FakeCall("bob", "ipv4:127.0.0.1:6000", ann.SentCookie())));
  EXPECT_EQ(store.Find(ann).schema, "sales");
}

TEST(SessionStore, CloseEndsItAndStoreReplaces) {
  SessionStore store;
  FakeCall call("", "ipv4:127.0.0.1:5000");
  ASSERT_TRUE(store.Store(call, WithSchema("a")).ok());
  ASSERT_TRUE(store.Store(call, WithSchema("b")).ok());
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.Find(call).schema, "b");
  EXPECT_TRUE(store.Close(call));
  EXPECT_FALSE(store.Close(call));
  EXPECT_FALSE(store.Find(call).schema.has_value());
  EXPECT_EQ(store.size(), 0u);
}

TEST(SessionStore, BoundedAndExpiring) {
  // An idle timeout far above any stall between two calls on a loaded machine.
  SessionStore store(SessionLimits{2, std::chrono::milliseconds(1000)});
  ASSERT_TRUE(store.Store(FakeCall("", "ipv4:127.0.0.1:1"), {}).ok());
  ASSERT_TRUE(store.Store(FakeCall("", "ipv4:127.0.0.1:2"), {}).ok());
  auto full = store.Store(FakeCall("", "ipv4:127.0.0.1:3"), {});
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted) << full.ToString();
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_TRUE(store.Store(FakeCall("", "ipv4:127.0.0.1:3"), WithSchema("x")).ok());
  EXPECT_EQ(store.size(), 1u);
}

TEST(ColumnMetadata, NamesTypesAsDuckDbAndMarksTables) {
  auto schema = arrow::schema({
      arrow::field("id", arrow::int64(), false),
      arrow::field("price", arrow::decimal(12, 2)),
      arrow::field("name", arrow::utf8()),
      arrow::field("at", arrow::timestamp(arrow::TimeUnit::kMicro, "UTC")),
      arrow::field("tags", arrow::list(arrow::field("item", arrow::utf8()))),
  });
  auto marked = WithColumnMetadata(*schema, store::QualifiedName{"sales", "orders"});
  auto key = [&](int i, const char* k) {
    return std::string(
        arrow::FindMetadata(marked->field(i)->metadata(), std::string("ARROW:FLIGHT:SQL:") + k).value_or("<none>"));
  };
  EXPECT_EQ(key(0, "TYPE_NAME"), "BIGINT");
  EXPECT_EQ(key(0, "PRECISION"), "19");
  EXPECT_EQ(key(1, "TYPE_NAME"), "DECIMAL(12,2)");
  EXPECT_EQ(key(1, "PRECISION"), "12");
  EXPECT_EQ(key(1, "SCALE"), "2");
  EXPECT_EQ(key(2, "TYPE_NAME"), "VARCHAR");
  EXPECT_EQ(key(2, "IS_CASE_SENSITIVE"), "1");
  EXPECT_EQ(key(2, "PRECISION"), "<none>");
  EXPECT_EQ(key(3, "TYPE_NAME"), "TIMESTAMP WITH TIME ZONE");
  EXPECT_EQ(key(4, "TYPE_NAME"), "VARCHAR[]");
  EXPECT_EQ(key(4, "DB_SCHEMA_NAME"), "sales");
  EXPECT_EQ(key(4, "TABLE_NAME"), "orders");
  EXPECT_EQ(key(0, "IS_AUTO_INCREMENT"), "0");
  // Applied twice, the keys are replaced, not repeated; other metadata stays.
  auto with_other = arrow::schema({arrow::field("id", arrow::int64())->WithMetadata({{"note", "kept"}})});
  auto twice = WithColumnMetadata(*WithColumnMetadata(*with_other));
  EXPECT_EQ(twice->field(0)->metadata().size(), WithColumnMetadata(*with_other)->field(0)->metadata().size());
  EXPECT_EQ(arrow::FindMetadata(twice->field(0)->metadata(), "note"), "kept");
  // A query's columns name no table.
  EXPECT_EQ(arrow::FindMetadata(twice->field(0)->metadata(), "ARROW:FLIGHT:SQL:TABLE_NAME"), std::nullopt);
}

}  // namespace
}  // namespace hangar::sql
