#include "server/table_forwarding.h"

#include <thread>

namespace hangar::server {

namespace {

// Says which node answered, for errors that come from the writer.
Status FromWriter(const Status& st, const std::string& location) {
  return st.ok() ? st : st.WithContext("from the table's writer " + location);
}

}  // namespace

Result<std::unique_ptr<flight::FlightClient>> TableForwarding::Connect(const std::string& location) const {
  auto client = flight::FlightClient::Connect(flight::Location{location}, client_options_);
  if (!client.ok())
    return Status::Unavailable("cannot reach the table's writer " + location + ": " + client.status().message());
  return client;
}

flight::CallOptions TableForwarding::CallerOptions(const flight::ServerCallContext& context) {
  flight::CallOptions options;
  if (auto authorization = context.header("authorization"))
    options.headers.emplace_back("authorization", *authorization);
  options.headers.emplace_back(kForwardedHeader, "1");
  return options;
}

Status TableForwarding::Put(const flight::ServerCallContext& context, const std::string& location,
                            const flight::FlightDescriptor& descriptor, flight::FlightStreamReader* in,
                            flight::PutResultWriter* out) const {
  HANGAR_ASSIGN_OR_RETURN(auto client, Connect(location));
  HANGAR_ASSIGN_OR_RETURN(auto schema, in->GetSchema());
  auto writer = client->DoPut(descriptor, schema, CallerOptions(context));
  if (!writer.ok()) return FromWriter(writer.status(), location);
  while (true) {
    auto chunk = in->Next();
    if (!chunk.ok()) {
      (*writer)->Cancel();  // the caller's stream broke: the put must not commit
      return chunk.status();
    }
    if (chunk->end()) break;
    Status st = chunk->data ? (*writer)->WriteRecordBatch(*chunk->data, chunk->app_metadata)
                            : (*writer)->WriteMetadata(chunk->app_metadata);
    if (!st.ok()) break;  // the writer ended the call: its status says why
  }
  // The writer's results, then its final status.
  (void)(*writer)->DoneWriting();
  Status relay;
  while (true) {
    auto result = (*writer)->ReadResult();
    if (!result.ok() || !*result) break;
    if (relay.ok()) relay = out->Write(**result);
  }
  HANGAR_RETURN_NOT_OK(FromWriter((*writer)->Close(), location));
  return relay;
}

Status TableForwarding::Exchange(const flight::ServerCallContext& context, const std::string& location,
                                 const flight::FlightDescriptor& descriptor, flight::FlightStreamReader* in,
                                 flight::FlightStreamWriter* out) const {
  HANGAR_ASSIGN_OR_RETURN(auto client, Connect(location));
  auto opened = client->DoExchange(descriptor, CallerOptions(context));
  if (!opened.ok()) return FromWriter(opened.status(), location);
  flight::ExchangeStream& upstream = **opened;
  // The caller's messages go up on a thread of their own while this one
  // brings the writer's acknowledgements down, as they come.
  Status reading;
  std::thread up([&] {
    bool begun = false;
    while (true) {
      auto chunk = in->Next();
      if (!chunk.ok()) {
        reading = chunk.status();
        upstream.Cancel();  // the caller is gone: so is the call upstream
        return;
      }
      if (chunk->end()) break;
      Status st;
      if (chunk->data && !begun) {
        st = upstream.Begin(chunk->data->schema);
        begun = true;
      }
      if (st.ok())
        st = chunk->data ? upstream.WriteRecordBatch(*chunk->data, chunk->app_metadata)
                         : upstream.WriteMetadata(chunk->app_metadata);
      if (!st.ok()) return;  // the writer ended the call: the reading half says why
    }
    (void)upstream.DoneWriting();  // a failure shows in the reading half too
  });
  Status relay;
  while (true) {
    auto chunk = upstream.Next();
    if (!chunk.ok()) {
      relay = FromWriter(chunk.status(), location);
      break;
    }
    if (chunk->end()) break;
    if (chunk->data) {
      if (!out->started()) relay = out->Begin(chunk->data->schema);
      if (relay.ok()) relay = out->WriteRecordBatch(*chunk->data, chunk->app_metadata);
    } else {
      relay = out->WriteMetadata(chunk->app_metadata);
    }
    if (!relay.ok()) {
      upstream.Cancel();
      break;
    }
  }
  up.join();
  HANGAR_RETURN_NOT_OK(reading);
  return relay;
}

Result<std::vector<flight::ActionResult>> TableForwarding::Action(const flight::ServerCallContext& context,
                                                                  const std::string& location,
                                                                  const flight::Action& action) const {
  HANGAR_ASSIGN_OR_RETURN(auto client, Connect(location));
  auto results = client->DoAction(action, CallerOptions(context));
  if (!results.ok()) return FromWriter(results.status(), location);
  return results;
}

}  // namespace hangar::server
