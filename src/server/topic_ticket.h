// Topic tickets and descriptors.
//
// A descriptor names a topic by path ["kafka", topic], or by a command
// descriptor {"topic": "orders", <options>}. A ticket is JSON {"topic":
// "orders", "partition": 0, <options>} (GetFlightInfo hands out one per
// partition, carrying the descriptor's options), or the hand-written
// "<topic>/<partition>": that partition from its first offset to the high
// watermark seen when the call starts.
//
// Options (all optional): start_offset, end_offset (exclusive),
// start_timestamp, end_timestamp (exclusive; milliseconds since the epoch or
// ISO-8601 text such as "2026-01-15T12:00:00Z"), max_records, follow (a live
// tail until the client cancels), metadata (true, false, or a list of
// _partition, _offset, _timestamp, _key), schema_version (of subject
// <topic>-value; default the latest), skip_errors (skip and count messages
// that cannot be decoded, instead of failing), isolation_level
// ("read_committed", the default, or "read_uncommitted": also the records of
// open and aborted transactions), batch_rows, batch_bytes.
// A DoPut command descriptor may also hold "partition" (every message goes
// there) and "key" (the column whose values become the message keys).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kafka/topic_reader.h"

namespace hangar::server {

// The largest batch_rows and batch_bytes a request may ask for.
inline constexpr int64_t kMaxTopicBatchRows = int64_t{1} << 20;
inline constexpr int64_t kMaxTopicBatchBytes = int64_t{64} << 20;

struct TopicRequest {
  std::string topic;
  std::optional<int32_t> partition;  // set in tickets; in a DoPut command, where every message goes
  std::string key_column;            // DoPut command: the column whose values are the message keys
  kafka::TopicReadOptions options;
  nlohmann::json options_json = nlohmann::json::object();  // the options as given
};

// True if `ticket` names a topic partition (JSON with "topic", or "<topic>/<n>").
bool IsTopicTicket(std::string_view ticket);
Result<TopicRequest> ParseTopicTicket(std::string_view ticket);
// A command descriptor's JSON with a "topic" member.
Result<TopicRequest> ParseTopicCommand(const nlohmann::json& command);
// The ticket of one partition of `request`.
std::string TopicTicketFor(const TopicRequest& request, int32_t partition);

}  // namespace hangar::server
