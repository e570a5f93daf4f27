#include "iceberg/table_definition.h"

#include <cstdint>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace hangar::iceberg {
namespace {

constexpr std::string_view kMiddle = "/metadata/hangar-state-";
constexpr std::string_view kSuffix = ".json";
constexpr size_t kDigits = 20;

}  // namespace

std::string DefinitionKeyPrefix(std::string_view prefix) { return std::string(prefix) + std::string(kMiddle); }

std::string DefinitionKey(std::string_view prefix, int64_t version) {
  char digits[kDigits + 1];
  std::snprintf(digits, sizeof digits, "%020lld", static_cast<long long>(version));
  return DefinitionKeyPrefix(prefix) + digits + std::string(kSuffix);
}

int64_t DefinitionVersionOf(std::string_view key) {
  const size_t at = key.rfind(kMiddle);
  if (at == std::string_view::npos) return 0;
  const std::string_view rest = key.substr(at + kMiddle.size());
  if (rest.size() != kDigits + kSuffix.size() || rest.substr(kDigits) != kSuffix) return 0;
  int64_t version = 0;
  for (char c : rest.substr(0, kDigits)) {
    if (c < '0' || c > '9' || version > (INT64_MAX - 9) / 10) return 0;
    version = version * 10 + (c - '0');
  }
  return version;
}

std::string TablePrefixOfDefinition(std::string_view key) {
  if (DefinitionVersionOf(key) == 0) return {};
  return std::string(key.substr(0, key.rfind(kMiddle)));
}

Result<std::string> EncodeDefinition(const store::Manifest& manifest, int64_t saved_at_ms,
                                     const DefinitionWriter& writer) {
  HANGAR_ASSIGN_OR_RETURN(std::string text, manifest.Serialize());
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) return Status::Internal("a table's manifest did not serialize as JSON");
  json["saved_at_ms"] = saved_at_ms;
  if (!writer.node.empty()) json["writer"] = {{"node", writer.node}, {"epoch", writer.epoch}};
  return json.dump();
}

Result<TableDefinition> DecodeDefinition(std::string_view text) {
  TableDefinition out;
  auto manifest = store::Manifest::Parse(text);
  if (!manifest.ok()) return manifest.status();
  out.manifest = std::move(*manifest);
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_object()) {
    out.saved_at_ms = json.value("saved_at_ms", int64_t{0});
    if (auto writer = json.find("writer"); writer != json.end() && writer->is_object()) {
      out.writer.node = writer->value("node", std::string());
      out.writer.epoch = writer->value("epoch", int64_t{0});
    }
  }
  return out;
}

}  // namespace hangar::iceberg
