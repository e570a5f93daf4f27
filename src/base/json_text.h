// JSON text that Hangar writes: manifests, acks, action results, tickets,
// status documents.
//
// nlohmann's dump() throws on a string that is not UTF-8, and strings reach
// these documents from outside: Arrow custom metadata (any bytes, as Arrow
// C++ writes it), DuckDB's error messages (which quote the client's SQL),
// topic names from descriptors. A throw there failed the call with INTERNAL
// (or, outside a handler, ended the process), so every document is written
// here instead: invalid bytes become U+FFFD and the rest is exact.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace hangar {

inline std::string JsonText(const nlohmann::json& value, int indent = -1) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace hangar
