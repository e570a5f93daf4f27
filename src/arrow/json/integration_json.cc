#include "arrow/json/integration_json.h"

#include <zlib.h>

#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#include "arrow/compare.h"
#include "arrow/json/array_json.h"
#include "arrow/json/json_util.h"
#include "arrow/json/schema_json.h"

namespace hangar::arrow::json {

namespace {

Result<std::string> Gunzip(std::string_view compressed, const std::string& path) {
  z_stream zs{};
  // 16 + MAX_WBITS: expect a gzip header and trailer.
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return Status::Internal("zlib initialisation failed");
  std::string out;
  char chunk[1 << 16];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  int rc = Z_OK;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof(chunk);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(chunk, sizeof(chunk) - zs.avail_out);
    if (rc == Z_STREAM_END) {
      // Concatenated gzip members decompress to the concatenation.
      if (zs.avail_in == 0) break;
      if (inflateReset(&zs) != Z_OK) break;
      continue;
    }
    if (rc != Z_OK) break;
    if (zs.avail_in == 0 && zs.avail_out != 0) {
      rc = Z_BUF_ERROR;  // input ended before the stream did
      break;
    }
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    return Status::Invalid(path + ": gzip data is corrupt or truncated (zlib: " +
                           (zs.msg ? std::string(zs.msg) : std::to_string(rc)) + ")");
  }
  return out;
}

// --- reading ---------------------------------------------------------------------

class FileParser {
 public:
  Result<JsonFile> Parse(const Json& root) {
    if (!root.is_object()) return Status::Invalid("integration JSON must be an object, got " + KindName(root));
    HANGAR_ASSIGN_OR_RETURN(const Json* schema_json, GetObject(root, "schema", ""));
    HANGAR_ASSIGN_OR_RETURN(parsed_, SchemaFromJson(*schema_json));
    HANGAR_RETURN_NOT_OK(IndexDictionaries(root));
    ctx_.dictionary_ids = &parsed_.dictionary_ids;
    ctx_.dictionary = [this](int64_t id, const std::string& where) { return Dictionary(id, where); };

    JsonFile file;
    file.schema = parsed_.schema;
    const Json* batches = FindMember(root, "batches");
    if (batches == nullptr || batches->is_null()) return file;
    if (!batches->is_array()) return Status::Invalid("\"batches\" must be an array, got " + KindName(*batches));
    for (size_t b = 0; b < batches->size(); ++b) {
      HANGAR_ASSIGN_OR_RETURN(RecordBatchPtr batch, Batch((*batches)[b], "batch " + std::to_string(b)));
      file.batches.push_back(std::move(batch));
    }
    return file;
  }

 private:
  Status IndexDictionaries(const Json& root) {
    const Json* dicts = FindMember(root, "dictionaries");
    if (dicts == nullptr || dicts->is_null()) return Status::OK();
    if (!dicts->is_array()) return Status::Invalid("\"dictionaries\" must be an array, got " + KindName(*dicts));
    for (size_t i = 0; i < dicts->size(); ++i) {
      const std::string where = "dictionaries[" + std::to_string(i) + "]";
      HANGAR_ASSIGN_OR_RETURN(int64_t id, GetInt((*dicts)[i], "id", where));
      HANGAR_ASSIGN_OR_RETURN(const Json* data, GetObject((*dicts)[i], "data", where));
      if (!dictionary_json_.emplace(id, data).second) {
        return Malformed(where, "dictionary id " + std::to_string(id) + " appears more than once");
      }
    }
    return Status::OK();
  }

  // Builds a dictionary on first use; every batch and field using the id
  // then shares the one array.
  Result<ArrayPtr> Dictionary(int64_t id, const std::string& user) {
    if (auto it = dictionaries_.find(id); it != dictionaries_.end()) return it->second;
    const std::string where = "dictionary id " + std::to_string(id);
    auto json_it = dictionary_json_.find(id);
    if (json_it == dictionary_json_.end()) {
      return Status::Invalid(user + ": dictionary id " + std::to_string(id) + " is not in \"dictionaries\"");
    }
    auto type_it = parsed_.dictionary_types.find(id);
    if (type_it == parsed_.dictionary_types.end()) return Status::Internal(where + " has no type");
    if (!in_progress_.insert(id).second) {
      return Malformed(where, "dictionary refers to itself through its own values");
    }
    const Json& data = *json_it->second;
    HANGAR_ASSIGN_OR_RETURN(int64_t count, GetInt(data, "count", where));
    HANGAR_ASSIGN_OR_RETURN(const Json* columns, GetArray(data, "columns", where));
    if (columns->size() != 1) {
      return Malformed(where, "a dictionary batch has exactly one column, got " + std::to_string(columns->size()));
    }
    // The dictionary's own column name is arbitrary ("DICT0" by convention).
    Field values("DICT" + std::to_string(id), type_it->second->value_type());
    HANGAR_ASSIGN_OR_RETURN(ArrayPtr dict, ArrayFromJson((*columns)[0], values, ctx_, where));
    if (dict->length != count) {
      return Malformed(where,
                       "column has " + std::to_string(dict->length) + " values but count is " + std::to_string(count));
    }
    in_progress_.erase(id);
    dictionaries_.emplace(id, dict);
    return dict;
  }

  Result<RecordBatchPtr> Batch(const Json& j, const std::string& where) {
    HANGAR_ASSIGN_OR_RETURN(int64_t count, GetInt(j, "count", where));
    if (count < 0) return Malformed(where, "count must be >= 0");
    HANGAR_ASSIGN_OR_RETURN(const Json* columns, GetArray(j, "columns", where));
    const Schema& schema = *parsed_.schema;
    if (static_cast<int>(columns->size()) != schema.num_fields()) {
      return Malformed(where, "has " + std::to_string(columns->size()) + " columns but the schema has " +
                                  std::to_string(schema.num_fields()) + " fields");
    }
    std::vector<ArrayPtr> arrays;
    for (int c = 0; c < schema.num_fields(); ++c) {
      const Field& field = *schema.field(c);
      const Json& col = (*columns)[static_cast<size_t>(c)];
      const std::string cwhere = where + " column " + Quote(field.name());
      if (const Json* n = FindMember(col, "name"); n != nullptr && !(n->is_string() && *n == field.name())) {
        return Malformed(cwhere, "column " + std::to_string(c) + " is named " + n->dump() + " but schema field " +
                                     std::to_string(c) + " is " + Quote(field.name()));
      }
      HANGAR_ASSIGN_OR_RETURN(ArrayPtr array, ArrayFromJson(col, field, ctx_, cwhere));
      if (array->length != count) {
        return Malformed(
            cwhere, "has " + std::to_string(array->length) + " rows but the batch count is " + std::to_string(count));
      }
      arrays.push_back(std::move(array));
    }
    return MakeRecordBatch(parsed_.schema, count, std::move(arrays));
  }

  ParsedSchema parsed_;
  ArrayReadContext ctx_;
  std::map<int64_t, const Json*> dictionary_json_;
  std::map<int64_t, ArrayPtr> dictionaries_;
  std::set<int64_t> in_progress_;
};

// --- writing ---------------------------------------------------------------------

// One dictionary-encoded field of the schema and the dictionary it has in
// each batch.
struct DictionarySlot {
  const Field* field = nullptr;
  std::vector<ArrayPtr> per_batch;
  int64_t id = -1;
};

class DictionaryCollector {
 public:
  // Registers the dictionary-encoded fields in schema order, a dictionary
  // nested in another's values before the outer one (as Arrow C++ numbers
  // them), so ids follow the schema even when there are no batches.
  void Register(const Field& field) {
    const DataType& type = *field.type();
    const DataType& storage = type.id() == TypeId::kDictionary ? *type.value_type() : type;
    for (const auto& c : storage.children()) Register(*c);
    if (type.id() == TypeId::kDictionary) {
      slot_of_[&field] = slots_.size();
      slots_.push_back(DictionarySlot{&field, {}, -1});
    }
  }

  // Records the dictionaries `array` (of `field`) carries, at any depth.
  Status Collect(const Field& field, const Array& array, const std::string& where) {
    const DataType& type = *field.type();
    const DataType* storage = &type;
    const Array* holder = &array;
    if (type.id() == TypeId::kDictionary) {
      if (array.dictionary == nullptr) return Status::Invalid(where + ": dictionary array has no dictionary");
      slots_[slot_of_.at(&field)].per_batch.push_back(array.dictionary);
      storage = type.value_type().get();
      holder = array.dictionary.get();
    }
    if (storage->children().empty()) return Status::OK();
    if (holder->children.size() != storage->children().size()) {
      return Status::Invalid(where + ": " + storage->ToString() + " array has " +
                             std::to_string(holder->children.size()) + " children");
    }
    for (size_t i = 0; i < storage->children().size(); ++i) {
      if (holder->children[i] == nullptr) return Status::Invalid(where + ": missing child array");
      HANGAR_RETURN_NOT_OK(
          Collect(*storage->child(i), *holder->children[i], where + " child " + Quote(storage->child(i)->name())));
    }
    return Status::OK();
  }

  // Checks each field's dictionaries agree across batches (the same array,
  // or each one a prefix of the last, as after delta batches) and gives ids;
  // fields that share their dictionary arrays in every batch share an id.
  Status AssignIds() {
    int64_t next = 0;
    for (size_t s = 0; s < slots_.size(); ++s) {
      DictionarySlot& slot = slots_[s];
      for (size_t b = 0; b + 1 < slot.per_batch.size(); ++b) {
        const ArrayPtr& earlier = slot.per_batch[b];
        const ArrayPtr& last = slot.per_batch.back();
        if (earlier == last) continue;
        if (earlier->length <= last->length && ArrayEquals(*earlier, *last->Slice(0, earlier->length))) continue;
        return Status::Unimplemented(
            "field " + Quote(slot.field->name()) + ": its dictionary in batch " + std::to_string(b) +
            " is replaced by a different one later; integration JSON holds one dictionary per id");
      }
      for (size_t t = 0; t < s && slot.id < 0; ++t) {
        const DictionarySlot& other = slots_[t];
        if (!other.per_batch.empty() && other.per_batch == slot.per_batch &&
            other.field->type()->value_type()->Equals(*slot.field->type()->value_type())) {
          slot.id = other.id;
        }
      }
      if (slot.id < 0) slot.id = next++;
      ids_[slot.field] = slot.id;
    }
    return Status::OK();
  }

  const DictionaryIds& ids() const { return ids_; }
  const std::vector<DictionarySlot>& slots() const { return slots_; }

 private:
  std::vector<DictionarySlot> slots_;
  std::unordered_map<const Field*, size_t> slot_of_;
  DictionaryIds ids_;
};

}  // namespace

Result<JsonFile> ParseJson(std::string_view text) {
  // nlohmann reports errors by exception; they stop here.
  try {
    Json root;
    try {
      root = Json::parse(text.begin(), text.end());
    } catch (const Json::parse_error& e) {
      return Status::Invalid(std::string("integration JSON does not parse: ") + e.what());
    }
    FileParser parser;
    return parser.Parse(root);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("unexpected error reading integration JSON: ") + e.what());
  }
}

Result<JsonFile> ReadJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot open " + path);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::IOError("error reading " + path);
  if (bytes.size() >= 2 && static_cast<uint8_t>(bytes[0]) == 0x1f && static_cast<uint8_t>(bytes[1]) == 0x8b) {
    HANGAR_ASSIGN_OR_RETURN(bytes, Gunzip(bytes, path));
  }
  auto file = ParseJson(bytes);
  if (!file.ok()) return file.status().WithContext(path);
  return file;
}

Result<std::string> WriteJson(const SchemaPtr& schema, const std::vector<RecordBatchPtr>& batches) {
  if (schema == nullptr) return Status::Invalid("WriteJson: no schema");
  try {
    DictionaryCollector dicts;
    for (const auto& f : schema->fields()) dicts.Register(*f);
    for (size_t b = 0; b < batches.size(); ++b) {
      const RecordBatch& batch = *batches[b];
      const std::string where = "batch " + std::to_string(b);
      if (batch.num_columns() != schema->num_fields()) {
        return Status::Invalid(where + " has " + std::to_string(batch.num_columns()) + " columns but the schema has " +
                               std::to_string(schema->num_fields()) + " fields");
      }
      for (int c = 0; c < schema->num_fields(); ++c) {
        const Field& field = *schema->field(c);
        const std::string cwhere = where + " column " + Quote(field.name());
        const ArrayPtr& col = batch.column(c);
        if (col == nullptr) return Status::Invalid(cwhere + " is missing");
        if (!col->type->Equals(*field.type(), false)) {
          return Status::Invalid(cwhere + " has type " + col->type->ToString() + " but the schema says " +
                                 field.type()->ToString());
        }
        if (col->length != batch.num_rows) {
          return Status::Invalid(cwhere + " has " + std::to_string(col->length) + " rows, the batch " +
                                 std::to_string(batch.num_rows));
        }
        HANGAR_RETURN_NOT_OK(dicts.Collect(field, *col, cwhere));
      }
    }
    HANGAR_RETURN_NOT_OK(dicts.AssignIds());

    Json root = Json::object();
    HANGAR_ASSIGN_OR_RETURN(root["schema"], SchemaToJson(*schema, dicts.ids()));
    Json batches_json = Json::array();
    for (size_t b = 0; b < batches.size(); ++b) {
      const RecordBatch& batch = *batches[b];
      Json bj = Json::object();
      bj["count"] = batch.num_rows;
      Json columns = Json::array();
      for (int c = 0; c < schema->num_fields(); ++c) {
        const std::string& name = schema->field(c)->name();
        HANGAR_ASSIGN_OR_RETURN(
            Json cj, ArrayToJson(name, *batch.column(c), "batch " + std::to_string(b) + " column " + Quote(name)));
        columns.push_back(std::move(cj));
      }
      bj["columns"] = std::move(columns);
      batches_json.push_back(std::move(bj));
    }
    root["batches"] = std::move(batches_json);

    Json dictionaries = Json::array();
    std::set<int64_t> written;
    for (const DictionarySlot& slot : dicts.slots()) {
      if (slot.per_batch.empty() || !written.insert(slot.id).second) continue;
      const ArrayPtr& dict = slot.per_batch.back();
      const std::string name = "DICT" + std::to_string(slot.id);
      HANGAR_ASSIGN_OR_RETURN(Json column,
                              ArrayToJson(name, *dict, "dictionary of field " + Quote(slot.field->name())));
      Json data = Json::object();
      data["count"] = dict->length;
      data["columns"] = Json::array({std::move(column)});
      Json entry = Json::object();
      entry["id"] = slot.id;
      entry["data"] = std::move(data);
      dictionaries.push_back(std::move(entry));
    }
    if (!dictionaries.empty()) root["dictionaries"] = std::move(dictionaries);

    try {
      return root.dump();
    } catch (const Json::type_error& e) {
      // Field names and metadata must be UTF-8 to be JSON text.
      return Status::Invalid(std::string("cannot render as JSON (a name or metadata value is not UTF-8?): ") +
                             e.what());
    }
  } catch (const std::exception& e) {
    return Status::Internal(std::string("unexpected error writing integration JSON: ") + e.what());
  }
}

}  // namespace hangar::arrow::json
