// The TPC-H-shaped data set and its 22 queries (generate.sql, queries.sql
// next to this file), shared by the correctness test and the benchmark.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "duckdb/database.h"

namespace hangar::tpch {

inline const std::vector<std::string>& TableNames() {
  static const std::vector<std::string> names = {"region", "nation",   "supplier", "customer",
                                                 "part",   "partsupp", "orders",   "lineitem"};
  return names;
}

inline Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::IOError("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The queries of queries.sql, Q1 first.
inline Result<std::vector<std::string>> Queries(const std::string& dir) {
  HANGAR_ASSIGN_OR_RETURN(auto text, ReadText(dir + "/queries.sql"));
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = text.find("\n-- Q", pos)) != std::string::npos) {
    const size_t start = text.find('\n', pos + 1);
    const size_t end = text.find(';', start);
    if (start == std::string::npos || end == std::string::npos)
      return Status::Invalid("queries.sql: a query without ';'");
    out.push_back(text.substr(start + 1, end - start - 1));
    pos = end;
  }
  if (out.size() != 22) return Status::Invalid("queries.sql holds " + std::to_string(out.size()) + " queries, not 22");
  return out;
}

// Fills `db` with the eight tables at scale factor `sf`.
inline Status Generate(const std::shared_ptr<duckdb::Database>& db, const std::string& dir, double sf) {
  HANGAR_ASSIGN_OR_RETURN(auto script, ReadText(dir + "/generate.sql"));
  HANGAR_ASSIGN_OR_RETURN(auto connection, duckdb::Connection::Open(db));
  return connection->Execute("SET VARIABLE sf = " + std::to_string(sf) + ";\n" + script);
}

}  // namespace hangar::tpch
