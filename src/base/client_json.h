// JSON that a client sent (descriptors, tickets, action bodies, options).
//
// nlohmann's parser keeps its own stack, but copying, printing and
// comparing a value recurse once per level: a few hundred kilobytes of
// brackets would overflow the stack of whichever thread copies them. Values
// nested deeper than any request needs are therefore refused here, as if
// the text were not JSON.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace hangar {

inline constexpr int kMaxClientJsonDepth = 64;

// The parsed value, or a discarded one (is_discarded()) if `text` is not
// JSON or nests deeper than kMaxClientJsonDepth.
inline nlohmann::json ParseClientJson(std::string_view text) {
  bool too_deep = false;
  auto json = nlohmann::json::parse(
      text,
      [&too_deep](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth > kMaxClientJsonDepth) too_deep = true;
        return !too_deep;  // what is discarded is never built
      },
      false);
  if (too_deep) return nlohmann::json(nlohmann::json::value_t::discarded);
  return json;
}

// The string `key` of a JSON object; INVALID_ARGUMENT naming `what` (the
// request and its expected shape) when there is none.
inline Result<std::string> JsonStringMember(const nlohmann::json& json, const char* key, std::string_view what) {
  if (!json.is_object() || !json.contains(key) || !json[key].is_string())
    return Status::Invalid(std::string(what) + " needs a JSON object with a \"" + key + "\" string");
  return json[key].get<std::string>();
}

}  // namespace hangar
