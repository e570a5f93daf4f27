// Rows through Flight for the topic tests of the server: a batch of people
// to put, a DoPut answering PutResults, and every row a topic's endpoints
// hold, keyed by the first (int64) column with values printed.
#pragma once

#include <map>

#include <nlohmann/json.hpp>

#include "arrow/array_access.h"
#include "arrow/builder.h"
#include "arrow/pretty_print.h"
#include "flight/client.h"

namespace hangar::testing {

// Rows of people: id int64, name utf8 (every 4th null), score float64,
// at timestamp[us, UTC], tags list<int32>, and _key utf8.
inline arrow::RecordBatchPtr People(int64_t first, int64_t n, bool with_city = false) {
  std::vector<arrow::FieldPtr> fields = {
      arrow::field("id", arrow::int64(), false), arrow::field("name", arrow::utf8()),
      arrow::field("score", arrow::float64(), false),
      arrow::field("at", arrow::timestamp(arrow::TimeUnit::kMicro, "UTC"), false),
      arrow::field("tags", arrow::list(arrow::field("item", arrow::int32(), false)))};
  arrow::PrimitiveBuilder<int64_t> id(arrow::int64()), at(fields[3]->type());
  arrow::BinaryBuilder name(arrow::utf8()), key(arrow::utf8()), city(arrow::utf8());
  arrow::PrimitiveBuilder<double> score(arrow::float64());
  auto tags = arrow::MakeBuilder(fields[4]->type()).value();
  auto* list = static_cast<arrow::ListBuilder*>(tags.get());
  for (int64_t i = first; i < first + n; ++i) {
    id.Append(i);
    if (i % 4 == 0)
      name.AppendNull();
    else
      name.Append("person" + std::to_string(i));
    score.Append(static_cast<double>(i) / 8);
    at.Append(1700000000000000 + i * 1001);
    list->Append();
    for (int t = 0; t < i % 3; ++t) static_cast<arrow::PrimitiveBuilder<int32_t>*>(list->value_builder())->Append(t);
    key.Append("k" + std::to_string(i % 7));
    city.Append("city" + std::to_string(i % 2));
  }
  std::vector<arrow::ArrayPtr> columns = {id.Finish().value(), name.Finish().value(), score.Finish().value(),
                                          at.Finish().value(), tags->Finish().value()};
  if (with_city) {
    fields.push_back(arrow::field("city", arrow::utf8(), false));
    columns.push_back(city.Finish().value());
  }
  fields.push_back(arrow::field("_key", arrow::utf8(), false));
  columns.push_back(key.Finish().value());
  return arrow::MakeRecordBatch(arrow::schema(fields), n, std::move(columns));
}

inline Result<std::vector<nlohmann::json>> Put(flight::FlightClient& client, const flight::FlightDescriptor& d,
                                               const std::vector<arrow::RecordBatchPtr>& batches) {
  HANGAR_ASSIGN_OR_RETURN(auto writer, client.DoPut(d, batches.at(0)->schema));
  std::vector<nlohmann::json> results;
  for (const auto& b : batches) {
    HANGAR_RETURN_NOT_OK(writer->WriteRecordBatch(*b));
    HANGAR_ASSIGN_OR_RETURN(auto result, writer->ReadResult());
    if (result) results.push_back(nlohmann::json::parse(*result));
  }
  HANGAR_RETURN_NOT_OK(writer->Close());
  return results;
}

using Rows = std::map<int64_t, std::map<std::string, std::string>>;

// Every row the endpoints hold, by the int64 first column, values printed.
inline Rows ReadEndpoints(flight::FlightClient& client, const std::vector<flight::FlightEndpoint>& endpoints) {
  Rows rows;
  for (const auto& e : endpoints) {
    auto reader = client.DoGet(e.ticket);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    if (!reader.ok()) continue;
    auto batches = (*reader)->ReadAll();
    EXPECT_TRUE(batches.ok()) << batches.status().ToString();
    if (!batches.ok()) continue;
    for (const auto& b : *batches) {
      for (int64_t r = 0; r < b->num_rows; ++r) {
        std::map<std::string, std::string> row;
        for (int c = 0; c < b->num_columns(); ++c)
          row[b->schema->field(c)->name()] = arrow::FormatValue(*b->column(c), r);
        rows[b->column(0)->values<int64_t>()[r]] = row;
      }
    }
  }
  return rows;
}

// Every row of a topic (all partitions), by id.
inline Rows ReadTopic(flight::FlightClient& client, const std::string& topic, arrow::SchemaPtr* schema = nullptr) {
  auto info = client.GetFlightInfo(flight::FlightDescriptor::Path({"kafka", topic}));
  EXPECT_TRUE(info.ok()) << info.status().ToString();
  if (!info.ok()) return {};
  if (schema) *schema = info->schema;
  return ReadEndpoints(client, info->endpoints);
}

}  // namespace hangar::testing
