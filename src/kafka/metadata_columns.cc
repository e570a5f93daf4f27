#include "kafka/metadata_columns.h"

#include <algorithm>

namespace hangar::kafka {

Result<arrow::FieldPtr> MetadataField(const std::string& name) {
  if (name == "_partition") return arrow::field(name, arrow::int32(), false);
  if (name == "_offset") return arrow::field(name, arrow::int64(), false);
  if (name == "_timestamp") return arrow::field(name, arrow::timestamp(arrow::TimeUnit::kMilli, "UTC"), true);
  if (name == "_key") return arrow::field(name, arrow::binary(), true);
  return Status::Invalid("unknown metadata column '" + name + "' (there are _partition, _offset, _timestamp, _key)");
}

Status MetadataColumns::Init(const std::vector<std::string>& names) {
  const auto& all = AllMetadataColumns();
  columns_.clear();
  for (const auto& name : names) {
    HANGAR_RETURN_NOT_OK(MetadataField(name).status());
    columns_.push_back(static_cast<Column>(std::find(all.begin(), all.end(), name) - all.begin()));
  }
  return Status::OK();
}

void MetadataColumns::Append(const rd_kafka_message_t& m) {
  for (Column column : columns_) {
    switch (column) {
      case Column::kPartition: partition_.Append(m.partition); break;
      case Column::kOffset: offset_.Append(m.offset); break;
      case Column::kTimestamp: {
        const int64_t ts = rd_kafka_message_timestamp(&m, nullptr);
        if (ts < 0)
          timestamp_.AppendNull();
        else
          timestamp_.Append(ts);
        break;
      }
      case Column::kKey:
        if (m.key == nullptr)
          key_.AppendNull();
        else
          key_.Append(std::string_view(static_cast<const char*>(m.key), m.key_len));
        break;
    }
  }
}

Status MetadataColumns::Finish(std::vector<arrow::ArrayPtr>* out) {
  for (Column column : columns_) {
    arrow::ArrayBuilder* b = column == Column::kPartition ? static_cast<arrow::ArrayBuilder*>(&partition_)
                             : column == Column::kOffset  ? static_cast<arrow::ArrayBuilder*>(&offset_)
                             : column == Column::kKey     ? static_cast<arrow::ArrayBuilder*>(&key_)
                                                          : static_cast<arrow::ArrayBuilder*>(&timestamp_);
    HANGAR_ASSIGN_OR_RETURN(auto finished, b->Finish());
    out->push_back(std::move(finished));
  }
  return Status::OK();
}

}  // namespace hangar::kafka
