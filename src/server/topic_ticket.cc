#include "server/topic_ticket.h"

#include <charconv>
#include <ctime>

#include "base/client_json.h"
#include "base/json_text.h"
#include "store/names.h"

namespace hangar::server {

namespace {

using nlohmann::json;

Result<int64_t> NonNegative(const json& v, const std::string& key) {
  if (!v.is_number_integer() || v.get<int64_t>() < 0)
    return Status::Invalid("topic option \"" + key + "\" must be a non-negative integer");
  return v.get<int64_t>();
}

// "2026-01-15T12:00:00Z", with optional fraction and a Z or ±hh:mm zone.
Result<int64_t> IsoMillis(const std::string& text, const std::string& key) {
  std::tm tm{};
  int consumed = 0;
  auto bad = [&] {
    return Status::Invalid("topic option \"" + key + "\": '" + text +
                           "' is neither milliseconds since the epoch nor ISO-8601 like 2026-01-15T12:00:00Z");
  };
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &consumed) != 6)
    return bad();
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  int64_t millis = static_cast<int64_t>(timegm(&tm)) * 1000;
  std::string_view rest = std::string_view(text).substr(static_cast<size_t>(consumed));
  if (!rest.empty() && rest[0] == '.') {
    int64_t scale = 100;
    rest.remove_prefix(1);
    while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest[0]))) {
      millis += (rest[0] - '0') * scale;
      scale /= 10;
      rest.remove_prefix(1);
    }
  }
  if (rest == "Z") return millis;
  int hours = 0, minutes = 0;
  if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') &&
      std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &hours, &minutes) == 2) {
    const int64_t offset = (hours * 60 + minutes) * 60000LL;
    return rest[0] == '+' ? millis - offset : millis + offset;
  }
  return bad();
}

Result<int64_t> Timestamp(const json& v, const std::string& key) {
  if (v.is_string()) return IsoMillis(v.get<std::string>(), key);
  return NonNegative(v, key);
}

Status ApplyOptions(const json& command, TopicRequest* out) {
  kafka::TopicReadOptions& o = out->options;
  for (const auto& [key, v] : command.items()) {
    if (key == "topic" || key == "partition") continue;
    if (key == "key") {
      if (!v.is_string()) return Status::Invalid("\"key\" names the column that holds the message keys");
      out->key_column = v.get<std::string>();
      continue;
    }
    out->options_json[key] = v;
    if (key == "start_offset") {
      HANGAR_ASSIGN_OR_RETURN(o.start_offset, NonNegative(v, key));
    } else if (key == "end_offset") {
      HANGAR_ASSIGN_OR_RETURN(o.end_offset, NonNegative(v, key));
    } else if (key == "start_timestamp") {
      HANGAR_ASSIGN_OR_RETURN(o.start_timestamp, Timestamp(v, key));
    } else if (key == "end_timestamp") {
      HANGAR_ASSIGN_OR_RETURN(o.end_timestamp, Timestamp(v, key));
    } else if (key == "max_records") {
      HANGAR_ASSIGN_OR_RETURN(o.max_records, NonNegative(v, key));
    } else if (key == "batch_rows" || key == "batch_bytes") {
      HANGAR_ASSIGN_OR_RETURN(int64_t n, NonNegative(v, key));
      if (n == 0) return Status::Invalid("topic option \"" + key + "\" must be positive");
      // A batch is gathered in memory before it is sent: these bound it.
      const int64_t most = key == "batch_rows" ? kMaxTopicBatchRows : kMaxTopicBatchBytes;
      if (n > most)
        return Status::Invalid("topic option \"" + key + "\" must be at most " + std::to_string(most) +
                               " (a batch is gathered in the server's memory)");
      (key == "batch_rows" ? o.batch_rows : o.batch_bytes) = n;
    } else if (key == "follow" || key == "skip_errors") {
      if (!v.is_boolean()) return Status::Invalid("topic option \"" + key + "\" must be true or false");
      (key == "follow" ? o.follow : o.skip_errors) = v.get<bool>();
    } else if (key == "metadata") {
      if (v.is_boolean()) {
        o.metadata = v.get<bool>() ? kafka::AllMetadataColumns() : std::vector<std::string>{};
      } else if (v.is_array()) {
        o.metadata.clear();
        for (const auto& name : v) {
          if (!name.is_string()) return Status::Invalid("topic option \"metadata\" lists column names");
          o.metadata.push_back(name.get<std::string>());
        }
      } else {
        return Status::Invalid("topic option \"metadata\" must be true, false or a list of column names");
      }
    } else if (key == "isolation_level") {
      if (v == "read_committed")
        o.read_uncommitted = false;
      else if (v == "read_uncommitted")
        o.read_uncommitted = true;
      else
        return Status::Invalid("topic option \"isolation_level\" must be \"read_committed\" or \"read_uncommitted\"");
    } else if (key == "schema_version") {
      if (v.is_string() && v.get<std::string>() == "latest")
        o.schema_version.reset();
      else if (v.is_number_integer() && v.get<int64_t>() > 0 && v.get<int64_t>() <= INT32_MAX)
        o.schema_version = v.get<int32_t>();
      else
        return Status::Invalid("topic option \"schema_version\" must be a version number or \"latest\"");
    } else {
      return Status::Invalid(
          "unknown topic option \"" + key +
          "\" (there are start_offset, end_offset, start_timestamp, end_timestamp, max_records, "
          "follow, metadata, schema_version, skip_errors, isolation_level, batch_rows, batch_bytes)");
    }
  }
  return Status::OK();
}

Result<std::string> TopicName(const json& command) {
  if (!command.contains("topic") || !command["topic"].is_string())
    return Status::Invalid("a topic request needs a \"topic\" string");
  std::string topic = command["topic"];
  HANGAR_RETURN_NOT_OK(store::CheckName(topic, "topic name"));
  return topic;
}

}  // namespace

bool IsTopicTicket(std::string_view ticket) {
  if (!ticket.empty() && ticket.front() == '{') {
    auto json = ParseClientJson(ticket);
    return json.is_object() && json.contains("topic");
  }
  return ticket.find('/') != std::string_view::npos;
}

Result<TopicRequest> ParseTopicCommand(const json& command) {
  TopicRequest out;
  HANGAR_ASSIGN_OR_RETURN(out.topic, TopicName(command));
  HANGAR_RETURN_NOT_OK(ApplyOptions(command, &out));
  if (command.contains("partition")) {
    const auto& p = command["partition"];
    if (!p.is_number_integer() || p.get<int64_t>() < 0 || p.get<int64_t>() > INT32_MAX)
      return Status::Invalid("\"partition\" must be a partition number");
    out.partition = p.get<int32_t>();
  }
  return out;
}

Result<TopicRequest> ParseTopicTicket(std::string_view ticket) {
  if (ticket.empty() || ticket.front() != '{') {
    const size_t slash = ticket.rfind('/');
    if (slash == std::string_view::npos) return Status::Invalid("a topic ticket is JSON or '<topic>/<partition>'");
    TopicRequest out;
    out.topic = std::string(ticket.substr(0, slash));
    HANGAR_RETURN_NOT_OK(store::CheckName(out.topic, "topic name"));
    const std::string_view digits = ticket.substr(slash + 1);
    int32_t partition = -1;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), partition);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || partition < 0)
      return Status::Invalid("ticket '" + std::string(ticket) + "': the partition after '/' must be a number");
    out.partition = partition;
    return out;
  }
  auto command = ParseClientJson(ticket);
  if (!command.is_object()) return Status::Invalid("a topic ticket must be a JSON object");
  HANGAR_ASSIGN_OR_RETURN(auto out, ParseTopicCommand(command));
  if (!out.partition) return Status::Invalid("a topic ticket needs a \"partition\" number");
  return out;
}

std::string TopicTicketFor(const TopicRequest& request, int32_t partition) {
  json ticket = request.options_json;
  ticket["topic"] = request.topic;
  ticket["partition"] = partition;
  return JsonText(ticket);
}

}  // namespace hangar::server
