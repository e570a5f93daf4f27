// The log's three formats: what a line looks like, how values are quoted,
// and that numbers stay numbers in JSON.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/log.h"

namespace hangar::log {
namespace {

TEST(Log, TextIsASentenceWithFields) {
  EXPECT_EQ(FormatLine(Format::kText, Level::kInfo, "serving Flight on grpc://127.0.0.1:8815",
                       {{"auth", "off"}, {"rows", int64_t{12}}}),
            "hangar: serving Flight on grpc://127.0.0.1:8815 auth=off rows=12\n");
  EXPECT_EQ(FormatLine(Format::kText, Level::kWarn, "compaction failed", {{"error", "disk full: no space"}}),
            "hangar: warn: compaction failed error=\"disk full: no space\"\n");
}

TEST(Log, LogfmtQuotesWhatNeedsQuoting) {
  const std::string line =
      FormatLine(Format::kLogfmt, Level::kError, "bad \"thing\"", {{"path", "a=b"}, {"empty", ""}, {"n", 1.5}});
  EXPECT_EQ(line.substr(0, 3), "ts=");
  EXPECT_NE(line.find(" level=error msg=\"bad \\\"thing\\\"\" path=\"a=b\" empty=\"\" n=1.5\n"), std::string::npos)
      << line;
}

TEST(Log, JsonLinesParseAndKeepNumbers) {
  const std::string line = FormatLine(Format::kJson, Level::kInfo, "call",
                                      {{"rpc", "DoGet"}, {"rows_out", int64_t{42}}, {"note", "tab\there\nnewline"}});
  ASSERT_EQ(line.back(), '\n');
  auto json = nlohmann::json::parse(line);
  EXPECT_EQ(json["level"], "info");
  EXPECT_EQ(json["msg"], "call");
  EXPECT_EQ(json["rpc"], "DoGet");
  EXPECT_EQ(json["rows_out"], 42);
  EXPECT_EQ(json["note"], "tab\there\nnewline");
  EXPECT_EQ(json["ts"].get<std::string>().size(), 24u);  // 2026-11-30T13:20:01.123Z
}

TEST(Log, LevelsAndFormatsParseAndUnknownOnesAreNamed) {
  EXPECT_EQ(*ParseLevel("warn"), Level::kWarn);
  EXPECT_EQ(*ParseFormat("logfmt"), Format::kLogfmt);
  auto bad = ParseFormat("xml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'xml'"), std::string::npos);
  Configure(Format::kText, Level::kWarn);
  EXPECT_FALSE(Enabled(Level::kInfo));
  EXPECT_TRUE(Enabled(Level::kError));
  Configure(Format::kText, Level::kInfo);
}

}  // namespace
}  // namespace hangar::log
