#include "cli/client_connection.h"

#include <cstdlib>

#include "cli/command_table.h"
#include "cli/help.h"

namespace hangar::cli {

namespace {

std::optional<std::string> FlagOrEnv(const Flags& flags, const std::string& flag, const char* env) {
  if (auto v = flags.Get(flag)) return v;
  if (const char* e = std::getenv(env); e != nullptr && *e != '\0') return std::string(e);
  return std::nullopt;
}

}  // namespace

Result<std::unique_ptr<flight::FlightClient>> Connect(const Flags& flags) {
  flight::ClientOptions options;
  if (auto ca = flags.Get("tls-ca")) {
    HANGAR_ASSIGN_OR_RETURN(options.tls_root_certs, ReadFlagFile(*ca));
  }
  if (auto cert = flags.Get("tls-cert")) {
    HANGAR_ASSIGN_OR_RETURN(options.tls_cert_chain, ReadFlagFile(*cert));
    auto key = flags.Get("tls-key");
    if (!key) return Status::Invalid("--tls-cert needs --tls-key");
    HANGAR_ASSIGN_OR_RETURN(options.tls_private_key, ReadFlagFile(*key));
  }
  options.tls_override_hostname = flags.GetOr("tls-server-name", "");
  const std::string server = FlagOrEnv(flags, "server", "HANGAR_SERVER").value_or("grpc://127.0.0.1:8815");
  HANGAR_ASSIGN_OR_RETURN(auto client, flight::FlightClient::Connect(flight::Location{server}, options));
  auto user = FlagOrEnv(flags, "user", "HANGAR_USER");
  if (user) {
    auto password = FlagOrEnv(flags, "password", "HANGAR_PASSWORD");
    if (!password) return Status::Invalid("--user needs --password (or $HANGAR_PASSWORD)");
    HANGAR_RETURN_NOT_OK(client->AuthenticateBasicToken(*user, *password).status());
  }
  return client;
}

std::string DescriptorText(const flight::FlightDescriptor& d) {
  if (d.type != flight::FlightDescriptor::Type::kPath) return d.ToString();
  std::string out;
  for (const auto& p : d.path) out += (out.empty() ? "" : "/") + p;
  return out;
}

flight::FlightDescriptor DescriptorFromName(const std::string& name) {
  for (char sep : {'/', '.'}) {
    if (size_t at = name.find(sep); at != std::string::npos && at > 0)
      return flight::FlightDescriptor::Path({name.substr(0, at), name.substr(at + 1)});
  }
  return flight::FlightDescriptor::Path({name});
}

std::optional<Session> OpenSession(const char* command, const Args& args, int* exit) {
  const CommandSpec& spec = *FindCommand(command);
  auto flags = Flags::Parse(args, ValueFlagNames(spec), SwitchNames(spec));
  if (!flags.ok() || flags->positional().size() < spec.min_positional ||
      flags->positional().size() > spec.max_positional) {
    if (!flags.ok()) std::fprintf(stderr, "hangar %s: %s\n", command, flags.status().message().c_str());
    std::fputs(CommandUsage(spec).c_str(), stderr);
    *exit = 2;
    return std::nullopt;
  }
  auto client = Connect(*flags);
  if (!client.ok()) {
    std::fprintf(stderr, "hangar %s: %s\n", command, client.status().ToString().c_str());
    *exit = 1;
    return std::nullopt;
  }
  return Session{std::move(flags).value(), std::move(client).value()};
}

int Fail(const char* command, const Status& status) {
  std::fprintf(stderr, "hangar %s: %s\n", command, status.ToString().c_str());
  return 1;
}

}  // namespace hangar::cli
