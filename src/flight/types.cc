#include "flight/types.h"

#include <charconv>

#include "arrow/ipc/decoder.h"
#include "arrow/ipc/encoder.h"
#include "arrow/ipc/io.h"
#include "arrow/ipc/message.h"
#include "arrow/ipc/writer.h"

namespace hangar::flight {

std::string FlightDescriptor::ToString() const {
  switch (type) {
    case Type::kPath: {
      std::string out = "path [";
      for (size_t i = 0; i < path.size(); ++i) out += (i ? ", " : "") + path[i];
      return out + "]";
    }
    case Type::kCmd: return "cmd <" + std::to_string(cmd.size()) + " bytes>";
    default: return "descriptor of unknown type";
  }
}

std::string_view FlightMethodName(FlightMethod method) {
  switch (method) {
    case FlightMethod::kHandshake: return "Handshake";
    case FlightMethod::kListFlights: return "ListFlights";
    case FlightMethod::kGetFlightInfo: return "GetFlightInfo";
    case FlightMethod::kPollFlightInfo: return "PollFlightInfo";
    case FlightMethod::kGetSchema: return "GetSchema";
    case FlightMethod::kDoGet: return "DoGet";
    case FlightMethod::kDoPut: return "DoPut";
    case FlightMethod::kDoExchange: return "DoExchange";
    case FlightMethod::kDoAction: return "DoAction";
    case FlightMethod::kListActions: return "ListActions";
  }
  return "?";
}

Location Location::ForGrpcTcp(std::string_view host, int port) {
  return {"grpc://" + std::string(host) + ":" + std::to_string(port)};
}

Location Location::ForGrpcTls(std::string_view host, int port) {
  return {"grpc+tls://" + std::string(host) + ":" + std::to_string(port)};
}

Result<Location::Target> Location::Parse() const {
  std::string_view rest = uri;
  Target target;
  auto strip = [&](std::string_view scheme) {
    if (rest.substr(0, scheme.size()) != scheme) return false;
    rest.remove_prefix(scheme.size());
    return true;
  };
  if (strip("grpc+tls://")) {
    target.tls = true;
  } else if (!strip("grpc://") && !strip("grpc+tcp://")) {
    return Status::Invalid("location '" + uri + "' is not grpc://host:port or grpc+tls://host:port");
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  const size_t colon = rest.rfind(':');
  int port = 0;
  if (colon == std::string_view::npos || colon == 0 ||
      std::from_chars(rest.data() + colon + 1, rest.data() + rest.size(), port).ptr != rest.data() + rest.size() ||
      port <= 0 || port > 65535) {
    return Status::Invalid("location '" + uri + "' lacks a host and a port (1-65535)");
  }
  target.address = std::string(rest);
  return target;
}

}  // namespace hangar::flight
