// `hangar tail kafka.TOPIC`: follows a topic live, as `kcat -C -f` does.
//
// One GetFlightInfo of a follow-mode descriptor ({"topic", "follow": true,
// <start>}) gives an endpoint per partition; each is read by a thread of its
// own and every batch is printed (under a lock, flushed at once) as it
// arrives, with the _partition and _offset columns the server adds. The
// server's follow mode never ends a stream, so Ctrl-C (or SIGTERM) ends the
// command: every stream is cancelled and the command exits 0.
//
// "From now on" (the default) is a start timestamp taken when the command
// starts: follow mode has no "from the high watermark", and a record's
// timestamp is set when it is produced, after that moment.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/json_text.h"
#include "cli/batch_sinks.h"
#include "cli/client_connection.h"
#include "cli/commands.h"
#include "cli/interrupt.h"
#include "cli/terminal.h"

namespace hangar::cli {

namespace {

// --since: ISO-8601 text (the server parses it), milliseconds since the
// epoch, or an age ("90s", "15m", "2h", "1d") before now.
Result<nlohmann::json> StartTimestamp(const std::string& text) {
  static const std::regex kAge("([0-9]+)([smhd])");
  static const std::regex kMillis("[0-9]+");
  std::smatch m;
  if (std::regex_match(text, kMillis)) return nlohmann::json(std::stoll(text));
  if (std::regex_match(text, m, kAge)) {
    const int64_t unit = m[2] == "s" ? 1000 : m[2] == "m" ? 60000 : m[2] == "h" ? 3600000 : 86400000;
    const int64_t now =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    return nlohmann::json(now - std::stoll(m[1]) * unit);
  }
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0])))
    return Status::Invalid("--since takes ISO-8601 time, milliseconds since the epoch or an age such as 15m, not '" +
                           text + "'");
  return nlohmann::json(text);
}

Result<int64_t> WholeNumber(const std::string& flag, const std::string& text) {
  static const std::regex kNumber("[0-9]+");
  if (!std::regex_match(text, kNumber) || text.size() > 18)
    return Status::Invalid("--" + flag + " takes a whole number, not '" + text + "'");
  return std::stoll(text);
}

// The follow-mode descriptor's JSON: the topic, follow, where to start.
Result<nlohmann::json> FollowRequest(const Flags& flags, const std::string& topic) {
  nlohmann::json request = {{"topic", topic}, {"follow", true}};
  const int starts = flags.Has("from-beginning") + flags.Get("offset").has_value() + flags.Get("since").has_value();
  if (starts > 1) return Status::Invalid("--from-beginning, --offset and --since exclude each other");
  if (auto offset = flags.Get("offset")) {
    HANGAR_ASSIGN_OR_RETURN(request["start_offset"], WholeNumber("offset", *offset));
  } else if (auto since = flags.Get("since")) {
    HANGAR_ASSIGN_OR_RETURN(request["start_timestamp"], StartTimestamp(*since));
  } else if (!flags.Has("from-beginning")) {
    request["start_timestamp"] =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
  }
  return request;
}

// The partitions' streams, read at once into one sink.
class Follower {
 public:
  Follower(flight::FlightClient& client, BatchSink& sink, FILE* out) : client_(client), sink_(sink), out_(out) {}

  // Reads every ticket until Stop() or a failure; returns the failure, if any.
  Status Run(const std::vector<flight::Ticket>& tickets) {
    std::vector<std::thread> threads;
    for (const auto& ticket : tickets) threads.emplace_back([this, ticket] { Read(ticket); });
    for (auto& t : threads) t.join();
    std::lock_guard lock(mu_);
    return failure_;
  }

  // From any thread: ends every stream.
  void Stop() {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (auto* reader : readers_) reader->Cancel();
  }

  int64_t records() const { return records_; }

 private:
  void Read(const flight::Ticket& ticket) {
    auto reader = client_.DoGet(ticket);
    if (!reader.ok()) return Failed(reader.status());
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      readers_.push_back(reader->get());
    }
    Status st;
    while (st.ok()) {
      auto chunk = (*reader)->Next();
      if (!chunk.ok()) {
        st = chunk.status();
      } else if (chunk->end()) {
        break;
      } else if (chunk->data) {
        std::lock_guard lock(mu_);
        st = sink_.Write(*chunk->data);
        std::fflush(out_);
        records_ += chunk->data->num_rows;
      }
    }
    {
      std::lock_guard lock(mu_);
      std::erase(readers_, reader->get());
    }
    if (!st.ok()) Failed(st);
  }

  // The first failure ends every stream; after Stop() the cancellations are no failure.
  void Failed(const Status& st) {
    std::lock_guard lock(mu_);
    if (stopping_ && st.code() == StatusCode::kCancelled) return;
    if (failure_.ok()) failure_ = st;
    stopping_ = true;
    for (auto* reader : readers_) reader->Cancel();
  }

  flight::FlightClient& client_;
  BatchSink& sink_;
  FILE* out_;
  std::mutex mu_;
  bool stopping_ = false;                            // guarded by mu_
  Status failure_;                                   // guarded by mu_
  std::vector<flight::RecordBatchReader*> readers_;  // guarded by mu_
  std::atomic<int64_t> records_{0};
};

}  // namespace

int RunTail(const Args& args) {
  int exit = 0;
  auto s = OpenSession("tail", args, &exit);
  if (!s) return exit;
  const std::string name = s->flags.positional()[0];
  const flight::FlightDescriptor named = DescriptorFromName(name);
  if (named.path.size() != 2 || named.path[0] != "kafka")
    return Fail("tail", Status::Invalid("'" + name + "' is not a topic: name one as kafka.TOPIC"));
  auto request = FollowRequest(s->flags, named.path[1]);
  if (!request.ok()) return Fail("tail", request.status());
  auto info = s->client->GetFlightInfo(flight::FlightDescriptor::Command(request->dump()));
  if (!info.ok()) return Fail("tail", info.status());

  std::vector<flight::Ticket> tickets;
  if (auto partition = s->flags.Get("partition")) {
    auto p = WholeNumber("partition", *partition);
    if (!p.ok()) return Fail("tail", p.status());
    if (*p >= static_cast<int64_t>(info->endpoints.size()))
      return Fail("tail", Status::NotFound(name + " has no partition " + *partition + " (it has " +
                                           std::to_string(info->endpoints.size()) + ")"));
    nlohmann::json ticket = *request;
    ticket["partition"] = *p;
    tickets.push_back({JsonText(ticket)});
  } else {
    for (const auto& e : info->endpoints) tickets.push_back(e.ticket);
  }

  const std::string format = s->flags.GetOr("format", "json");
  if (format != "json" && format != "table" && format != "csv")
    return Fail("tail", Status::Invalid("--format is json, table or csv, not '" + format + "'"));
  TableLayout layout;
  if (auto screen = TerminalSizeOf(STDOUT_FILENO)) layout.max_width = static_cast<size_t>(screen->columns);
  auto sink = MakeSink(format, STDOUT_FILENO, stdout, layout);
  if (!sink.ok()) return Fail("tail", sink.status());
  Status st = (*sink)->Begin(info->schema ? info->schema : arrow::schema({}));
  if (!st.ok()) return Fail("tail", st);
  std::fflush(stdout);
  std::fprintf(stderr, "hangar tail: following %s, %zu partition%s (Ctrl-C to stop)\n", name.c_str(), tickets.size(),
               tickets.size() == 1 ? "" : "s");

  Follower follower(*s->client, **sink, stdout);
  {
    InterruptWatch watch([&follower] { follower.Stop(); }, true);
    st = follower.Run(tickets);
  }
  std::fflush(stdout);
  if (!st.ok()) return Fail("tail", st);
  std::fprintf(stderr, "hangar tail: %lld records\n", static_cast<long long>(follower.records()));
  return 0;
}

}  // namespace hangar::cli
