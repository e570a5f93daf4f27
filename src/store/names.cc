#include "store/names.h"

namespace hangar::store {

Status CheckName(std::string_view name, std::string_view what) {
  auto bad = [&](std::string_view why) {
    return Status::Invalid("invalid " + std::string(what) + " name '" + std::string(name.substr(0, 300)) +
                           "': " + std::string(why));
  };
  if (name.empty()) return bad("it is empty");
  if (name.size() > 255) return bad("longer than 255 characters");
  if (name[0] == '.') return bad("it starts with '.'");
  for (char c : name) {
    const bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return bad("only letters, digits, '.', '_' and '-' are allowed");
  }
  return Status::OK();
}

Status CheckNamespace(std::string_view ns) {
  HANGAR_RETURN_NOT_OK(CheckName(ns, "namespace"));
  if (ns.find('.') != std::string_view::npos)
    return Status::Invalid("invalid namespace name '" + std::string(ns) +
                           "': a namespace has no dots (a table name may: [\"ns\", \"a.b\"] is ns.a.b)");
  const std::string folded = FoldCase(ns);
  for (std::string_view reserved : {"information_schema", "pg_catalog", "main", "temp", "system"}) {
    if (folded == reserved)
      return Status::Invalid("invalid namespace name '" + std::string(ns) + "': the SQL engine reserves it");
  }
  return Status::OK();
}

std::string FoldCase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<QualifiedName> NameFromPath(const std::vector<std::string>& path) {
  if (path.size() == 1) {
    HANGAR_RETURN_NOT_OK(CheckName(path[0], "table"));
    return QualifiedName{std::string(kDefaultNamespace), path[0]};
  }
  if (path.size() == 2) {
    HANGAR_RETURN_NOT_OK(CheckNamespace(path[0]));
    HANGAR_RETURN_NOT_OK(CheckName(path[1], "table"));
    return QualifiedName{path[0], path[1]};
  }
  return Status::Invalid("a descriptor path must be [name] or [namespace, name], not " + std::to_string(path.size()) +
                         " segments");
}

Result<QualifiedName> ParseQualifiedName(std::string_view text) {
  const size_t dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0) return NameFromPath({std::string(text)});
  return NameFromPath({std::string(text.substr(0, dot)), std::string(text.substr(dot + 1))});
}

}  // namespace hangar::store
