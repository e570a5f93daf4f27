// What a client sees of an error: internal ones as a reference into the log,
// the others without stack traces or server paths.
#include <gtest/gtest.h>

#include "flight/status_mapping.h"

namespace hangar::flight {
namespace {

TEST(StatusMapping, InternalErrorsBecomeAReference) {
  auto st = ToGrpcStatus(Status::Internal("INTERNAL Error: x at /srv/data/tables/t/1.parquet\n\nStack Trace:\n..."));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(st.error_message().find("INTERNAL Error"), std::string::npos) << st.error_message();
  EXPECT_EQ(st.error_message().find('/'), std::string::npos) << st.error_message();
  EXPECT_NE(st.error_message().find("reference #"), std::string::npos) << st.error_message();
}

TEST(StatusMapping, ClientTextHasNoStackTraceAndNoPaths) {
  EXPECT_EQ(
      ClientText("IO Error: No files found that match the pattern \"/srv/hangar/data/tables/default.t-1/*.parquet\""),
      "IO Error: No files found that match the pattern \"*.parquet\"");
  EXPECT_EQ(ClientText("Binder Error: nope\n\nStack Trace:\n/usr/lib/libduckdb.so(+0x12) [0x1]"), "Binder Error: nope");
  EXPECT_EQ(ClientText("cannot open '/etc/passwd'"), "cannot open 'passwd'");
  // Not paths: arithmetic, a URL, a relative name.
  EXPECT_EQ(ClientText("SELECT 1 /2, a / b"), "SELECT 1 /2, a / b");
  EXPECT_EQ(ClientText("see grpc://127.0.0.1:8815/x"), "see grpc://127.0.0.1:8815/x");
  EXPECT_EQ(ClientText("table default/t"), "table default/t");
  auto st = ToGrpcStatus(Status::Invalid("bad file /var/lib/hangar/x.arrow"));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "bad file x.arrow");
}

}  // namespace
}  // namespace hangar::flight
