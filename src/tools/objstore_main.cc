// hangar-objstore: Hangar's object stores driven from the command line. It
// exists so that other S3 clients (boto3 in the Python interop suite) can
// judge what Hangar's S3 store writes and reads, and the upload benchmark
// can time it beside them.
//
//   hangar-objstore [--endpoint URL] [--region R] [--addressing path|virtual]
//                   [--ca FILE] [--part-size-mib N] COMMAND URI ARGS...
//     put URI KEY FILE            PutFile
//     put-if-absent URI KEY FILE  PutIfAbsent of the file's bytes
//     get URI KEY FILE            GetFile
//     cat URI KEY                 Get, to standard output
//     ls URI [PREFIX]             List: "SIZE KEY" lines
//     rm URI KEY                  Delete
//
// URI is s3://BUCKET/PREFIX or a folder; the credentials come from
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. Exit
// status 0 on success, 1 when the store refused (the status on standard
// error, its code first: "AlreadyExists: ..."), 2 for a usage error.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "objstore/open_object_store.h"

namespace {

using namespace hangar;

constexpr char kUsage[] =
    "usage: hangar-objstore [--endpoint URL] [--region R] [--addressing path|virtual] [--ca FILE]\n"
    "                       [--part-size-mib N] put|put-if-absent|get|cat|ls|rm URI ARGS...\n";

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

Status Run(const std::string& command, const std::vector<std::string>& args, objstore::ObjectStore& store) {
  auto need = [&](size_t n) { return args.size() == n ? Status::OK() : Status::Invalid(kUsage); };
  if (command == "put") {
    HANGAR_RETURN_NOT_OK(need(2));
    return store.PutFile(args[0], args[1]);
  }
  if (command == "put-if-absent") {
    HANGAR_RETURN_NOT_OK(need(2));
    std::ifstream in(args[1], std::ios::binary);
    if (!in) return Status::IOError("cannot read " + args[1]);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return store.PutIfAbsent(args[0], bytes);
  }
  if (command == "get") {
    HANGAR_RETURN_NOT_OK(need(2));
    return store.GetFile(args[0], args[1]);
  }
  if (command == "cat") {
    HANGAR_RETURN_NOT_OK(need(1));
    HANGAR_ASSIGN_OR_RETURN(std::string bytes, store.Get(args[0]));
    if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size()) return Status::IOError("cannot write");
    return Status::OK();
  }
  if (command == "ls") {
    if (args.size() > 1) return Status::Invalid(kUsage);
    HANGAR_ASSIGN_OR_RETURN(auto objects, store.List(args.empty() ? "" : args[0]));
    for (const auto& o : objects) std::printf("%llu %s\n", static_cast<unsigned long long>(o.size), o.key.c_str());
    return Status::OK();
  }
  if (command == "rm") {
    HANGAR_RETURN_NOT_OK(need(1));
    return store.Delete(args[0]);
  }
  return Status::Invalid(kUsage);
}

}  // namespace

int main(int argc, char** argv) {
  objstore::S3Options options;
  options.access_key_id = Env("AWS_ACCESS_KEY_ID");
  options.secret_access_key = Env("AWS_SECRET_ACCESS_KEY");
  options.session_token = Env("AWS_SESSION_TOKEN");
  if (!Env("AWS_REGION").empty()) options.region = Env("AWS_REGION");
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--endpoint" && has_value) {
      options.endpoint = argv[++i];
    } else if (arg == "--region" && has_value) {
      options.region = argv[++i];
    } else if (arg == "--ca" && has_value) {
      options.ca_file = argv[++i];
    } else if (arg == "--addressing" && has_value) {
      const std::string style = argv[++i];
      if (style != "path" && style != "virtual") return std::fputs(kUsage, stderr), 2;
      options.addressing = style == "path" ? objstore::S3Addressing::kPath : objstore::S3Addressing::kVirtualHost;
    } else if (arg == "--part-size-mib" && has_value) {
      options.part_size = std::strtoull(argv[++i], nullptr, 10) << 20;
    } else if (arg.starts_with("--")) {
      std::fputs(kUsage, stderr);
      return 2;
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto store = objstore::OpenObjectStore(positional[1], options);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  const Status st = Run(positional[0], {positional.begin() + 2, positional.end()}, **store);
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return st.code() == StatusCode::kInvalidArgument && st.message() == kUsage ? 2 : 1;
  }
  return 0;
}
