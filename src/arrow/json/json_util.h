// Checked access to a parsed JSON tree. Every accessor says where it looked
// ("batch 1 column 'f3': member \"count\" must be an integer, got string") so
// that a malformed file is reported in terms of the data, not of the parser.
// Nothing here throws: members are tested for their kind before they are read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace hangar::arrow::json {

// Insertion-ordered objects, so written files read naturally ("name" first).
using Json = nlohmann::ordered_json;

inline std::string KindName(const Json& v) { return v.type_name(); }

inline Status Malformed(const std::string& where, const std::string& what) {
  return Status::Invalid(where.empty() ? what : where + ": " + what);
}

// The member `key` of object `obj`, or null when `obj` lacks it.
inline const Json* FindMember(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

inline Result<const Json*> RequireMember(const Json& obj, std::string_view key, const std::string& where) {
  if (!obj.is_object()) return Malformed(where, "expected a JSON object, got " + KindName(obj));
  const Json* v = FindMember(obj, key);
  if (v == nullptr) return Malformed(where, "missing member \"" + std::string(key) + "\"");
  return v;
}

// An integral JSON number as int64 (unsigned numbers above INT64_MAX fail).
inline Result<int64_t> AsInt64(const Json& v, const std::string& where) {
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return Malformed(where, "integer " + std::to_string(u) + " is too large");
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  return Malformed(where, "expected an integer, got " + KindName(v) + (v.is_primitive() ? " " + v.dump() : ""));
}

inline Result<int64_t> GetInt(const Json& obj, std::string_view key, const std::string& where) {
  HANGAR_ASSIGN_OR_RETURN(const Json* v, RequireMember(obj, key, where));
  return AsInt64(*v, where + (where.empty() ? "" : ": ") + "member \"" + std::string(key) + "\"");
}

inline Result<bool> GetBool(const Json& obj, std::string_view key, const std::string& where) {
  HANGAR_ASSIGN_OR_RETURN(const Json* v, RequireMember(obj, key, where));
  if (!v->is_boolean()) {
    return Malformed(where, "member \"" + std::string(key) + "\" must be a boolean, got " + KindName(*v));
  }
  return v->get<bool>();
}

inline Result<std::string> GetString(const Json& obj, std::string_view key, const std::string& where) {
  HANGAR_ASSIGN_OR_RETURN(const Json* v, RequireMember(obj, key, where));
  if (!v->is_string()) {
    return Malformed(where, "member \"" + std::string(key) + "\" must be a string, got " + KindName(*v));
  }
  return v->get<std::string>();
}

inline Result<const Json*> GetArray(const Json& obj, std::string_view key, const std::string& where) {
  HANGAR_ASSIGN_OR_RETURN(const Json* v, RequireMember(obj, key, where));
  if (!v->is_array()) {
    return Malformed(where, "member \"" + std::string(key) + "\" must be an array, got " + KindName(*v));
  }
  return v;
}

inline Result<const Json*> GetObject(const Json& obj, std::string_view key, const std::string& where) {
  HANGAR_ASSIGN_OR_RETURN(const Json* v, RequireMember(obj, key, where));
  if (!v->is_object()) {
    return Malformed(where, "member \"" + std::string(key) + "\" must be an object, got " + KindName(*v));
  }
  return v;
}

// Quoted for messages: 'name'.
inline std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace hangar::arrow::json
