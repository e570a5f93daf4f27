#include "store/manifest.h"

#include <nlohmann/json.hpp>

#include "arrow/ipc/schema_message.h"
#include "base/base64.h"
#include "base/json_text.h"

namespace hangar::store {

int64_t Manifest::rows() const {
  int64_t n = 0;
  for (const auto& f : files) n += f.rows;
  return n;
}

int64_t Manifest::bytes() const {
  int64_t n = 0;
  for (const auto& f : files) n += f.bytes;
  return n;
}

Result<std::string> Manifest::Serialize() const {
  HANGAR_ASSIGN_OR_RETURN(auto schema_bytes, arrow::ipc::SerializeSchema(*schema));
  nlohmann::json files_json = nlohmann::json::array();
  for (const auto& f : files) {
    files_json.push_back({{"name", f.name}, {"rows", f.rows}, {"bytes", f.bytes}});
    if (!f.partition.empty()) files_json.back()["partition"] = f.partition;
  }
  nlohmann::json json = {
      {"format", kFormat},
      {"name", name.ToString()},
      {"namespace", name.ns},
      {"table", name.name},
      {"version", version},
      {"schema", Base64Encode(schema_bytes)},
      {"schema_text", schema->ToString()},
      {"files", files_json},
      {"next_file", next_file},
      {"dropped", dropped},
      {"flushed_lsn", flushed_lsn},
  };
  if (!primary_key.empty()) json["primary_key"] = primary_key;
  if (!partition_spec.empty()) json["partition_spec"] = nlohmann::json::parse(SerializePartitionSpec(partition_spec));
  return JsonText(json, 1);
}

Result<Manifest> Manifest::Parse(std::string_view text) {
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return Status::DataLoss("manifest is not a JSON object");
  try {
    if (json.at("format").get<int>() != kFormat)
      return Status::DataLoss("manifest format " + JsonText(json.at("format")) + " is not supported");
    Manifest m;
    // The parts, where written: "ns.a.b" alone does not say where the namespace ends
    // (manifests of older versions have only "name").
    if (json.contains("namespace")) {
      HANGAR_ASSIGN_OR_RETURN(
          m.name, NameFromPath({json.at("namespace").get<std::string>(), json.at("table").get<std::string>()}));
    } else {
      HANGAR_ASSIGN_OR_RETURN(m.name, ParseQualifiedName(json.at("name").get<std::string>()));
    }
    m.version = json.at("version").get<int64_t>();
    HANGAR_ASSIGN_OR_RETURN(auto schema_bytes, Base64Decode(json.at("schema").get<std::string>()));
    HANGAR_ASSIGN_OR_RETURN(m.schema, arrow::ipc::DeserializeSchema(schema_bytes));
    for (const auto& f : json.at("files")) {
      ManifestFile file{f.at("name").get<std::string>(), f.at("rows").get<int64_t>(), f.at("bytes").get<int64_t>(),
                        f.value("partition", "")};
      // Names come from this store; a tampered manifest must still not point outside the folder.
      HANGAR_RETURN_NOT_OK(CheckName(file.name, "data file name"));
      if (!file.partition.empty() && !IsPartitionPath(file.partition))
        return Status::DataLoss("manifest names a file in partition '" + file.partition +
                                "', which is no partition path");
      m.files.push_back(std::move(file));
    }
    m.next_file = json.at("next_file").get<int64_t>();
    m.dropped = json.value("dropped", false);
    m.flushed_lsn = json.value("flushed_lsn", uint64_t{0});
    if (json.contains("primary_key")) m.primary_key = json.at("primary_key").get<std::vector<std::string>>();
    if (json.contains("partition_spec")) {
      auto spec = ParsePartitionSpec(JsonText(json.at("partition_spec")), *m.schema);
      if (!spec.ok()) return Status::DataLoss("manifest partition_spec: " + spec.status().message());
      m.partition_spec = std::move(*spec);
    }
    return m;
  } catch (const nlohmann::json::exception& e) {
    return Status::DataLoss(std::string("manifest is malformed: ") + e.what());
  }
}

Status Manifest::Write(const fs::path& dir) const {
  HANGAR_ASSIGN_OR_RETURN(auto text, Serialize());
  return WriteFileAtomic(dir / kFileName, text);
}

Result<Manifest> Manifest::Read(const fs::path& dir) {
  HANGAR_ASSIGN_OR_RETURN(auto text, ReadWholeFile(dir / kFileName));
  auto manifest = Parse(text);
  if (!manifest.ok()) return manifest.status().WithContext((dir / kFileName).string());
  return manifest;
}

}  // namespace hangar::store
