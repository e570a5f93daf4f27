#include "arrow/ipc/decoder.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "arrow/concatenate.h"
#include "arrow/ipc/compression.h"
#include "arrow/utf8.h"
#include "arrow/validate.h"

namespace hangar::arrow::ipc {

namespace {

bool HasOffsets(const DataType& t) {
  return t.is_binary_like() || t.id() == TypeId::kList || t.id() == TypeId::kLargeList || t.id() == TypeId::kMap;
}

// Eight zero bytes: one offset of either width.
BufferPtr ZeroOffsets() {
  static const BufferPtr zeros = Buffer::CopyOf(std::string_view("\0\0\0\0\0\0\0\0", 8));
  return zeros;
}

// Reads the arrays of one RecordBatch table (a record batch or a dictionary
// batch's data) from a message body, walking fields in pre-order as the
// format lays out nodes and buffers.
class ArrayLoader {
 public:
  ArrayLoader(const fb::RecordBatch* rb, const Message& message, const ReadOptions& options,
              const DictionaryFields& dictionary_fields, const std::map<int64_t, ArrayPtr>& dictionaries)
      : rb_(rb),
        body_(message.body()),
        legacy_unions_(message.version() < fb::MetadataVersion::V5),
        options_(options),
        dictionary_fields_(dictionary_fields),
        dictionaries_(dictionaries) {}

  Status Init() {
    // Absent vectors are empty ones (a batch without columns needs neither).
    num_nodes_ = rb_->nodes() ? static_cast<int64_t>(rb_->nodes()->size()) : 0;
    num_buffers_ = rb_->buffers() ? static_cast<int64_t>(rb_->buffers()->size()) : 0;
    if (rb_->compression() != nullptr) {
      if (rb_->compression()->method() != fb::BodyCompressionMethod::BUFFER)
        return Status::Invalid("unsupported IPC body compression method");
      switch (rb_->compression()->codec()) {
        case fb::CompressionType::LZ4_FRAME: codec_ = Compression::kLz4Frame; break;
        case fb::CompressionType::ZSTD: codec_ = Compression::kZstd; break;
        default: return Status::Invalid("unknown IPC body compression codec");
      }
    }
    // What the body can back: its bytes, or, compressed, what its buffers
    // claim to decompress to (each length prefix is checked again, with the
    // data, when the buffer is loaded). Their sum is bounded like a message:
    // a few bytes of zstd may claim a gigabyte each.
    backing_bytes_ = body_->size();
    if (codec_ != Compression::kNone) {
      int64_t total = 0;
      for (int64_t i = 0; i < num_buffers_; ++i) {
        const fb::Buffer b = LoadStruct(rb_->buffers(), static_cast<size_t>(i));
        int64_t claimed = b.length();
        if (b.offset() >= 0 && b.length() >= 8 && b.offset() <= body_->size() - 8) {
          int64_t prefix = 0;
          std::memcpy(&prefix, body_->data() + b.offset(), 8);
          if (prefix >= 0) claimed = prefix;
        }
        // One buffer claiming too much alone is refused when it is loaded, by name.
        if (claimed < 0 || claimed > options_.max_message_size) claimed = 0;
        total += claimed;
        if (total > options_.max_message_size)
          return Status::Invalid("the compressed buffers of a record batch claim more than the " +
                                 std::to_string(options_.max_message_size) + " bytes a message may hold");
      }
      backing_bytes_ = std::max(backing_bytes_, total);
    }
    return Status::OK();
  }

  Result<ArrayPtr> Load(const Field& field, int depth) {
    if (depth > options_.max_recursion_depth) return Status::Invalid("record batch nesting too deep");
    auto result = LoadField(field, depth);
    if (!result.ok()) return result.status().WithContext("field '" + field.name() + "'");
    return result;
  }

 private:
  Result<ArrayPtr> LoadField(const Field& field, int depth) {
    const TypePtr& type = field.type();
    if (node_index_ >= num_nodes_)
      return Status::Invalid("record batch has fewer field nodes than the schema has fields");
    const fb::FieldNode node = LoadStruct(rb_->nodes(), static_cast<size_t>(node_index_++));
    const int64_t length = node.length();
    const int64_t null_count = node.null_count();
    if (length < 0 || null_count < 0 || null_count > length)
      return Status::Invalid("field node has invalid length " + std::to_string(length) + " / null count " +
                             std::to_string(null_count));
    // See ReadOptions::max_batch_rows: beyond it, an array's elements must
    // be paid for with at least a bit of body each.
    if (length > options_.max_batch_rows && length / 8 > backing_bytes_)
      return Status::ResourceExhausted("an array claims " + std::to_string(length) + " elements in a message body of " +
                                       std::to_string(backing_bytes_) + " bytes, more than the limit of " +
                                       std::to_string(options_.max_batch_rows) + " rows per batch" +
                                       options_.max_batch_rows_origin);

    auto array = std::make_shared<Array>();
    array->type = type;
    array->length = length;
    array->null_count_hint = null_count;

    switch (type->id()) {
      case TypeId::kNull: array->null_count_hint = length; return array;
      case TypeId::kSparseUnion:
      case TypeId::kDenseUnion: {
        if (legacy_unions_) {
          // Before V5, unions had a validity bitmap; it must not mark nulls.
          HANGAR_ASSIGN_OR_RETURN(auto validity, NextBuffer());
          (void)validity;
          if (null_count != 0) return Status::Invalid("pre-V5 union with nulls is not supported");
        }
        array->null_count_hint = 0;
        int n = type->id() == TypeId::kDenseUnion ? 2 : 1;
        for (int i = 0; i < n; ++i) {
          HANGAR_ASSIGN_OR_RETURN(auto b, NextBuffer());
          array->buffers.push_back(std::move(b));
        }
        break;
      }
      case TypeId::kRunEndEncoded: array->null_count_hint = 0; break;
      default: {
        HANGAR_ASSIGN_OR_RETURN(auto validity, NextBuffer());
        array->buffers.push_back(null_count == 0 ? nullptr : std::move(validity));
        for (int i = 1; i < type->num_fixed_buffers(); ++i) {
          HANGAR_ASSIGN_OR_RETURN(auto b, NextBuffer());
          array->buffers.push_back(std::move(b));
        }
        if (type->is_view()) {
          const auto* counts = rb_->variadicBufferCounts();
          if (counts == nullptr || variadic_index_ >= static_cast<int64_t>(counts->size()))
            return Status::Invalid("view array without a variadic buffer count");
          int64_t count = LoadInt64(counts, static_cast<size_t>(variadic_index_++));
          if (count < 0 || count > num_buffers_ - buffer_index_)
            return Status::Invalid("invalid variadic buffer count " + std::to_string(count));
          for (int64_t i = 0; i < count; ++i) {
            HANGAR_ASSIGN_OR_RETURN(auto b, NextBuffer());
            array->buffers.push_back(std::move(b));
          }
        }
        break;
      }
    }

    // Writers may send an empty offsets buffer for an empty array; give it the
    // single 0 offset the layout implies, so no consumer has to special-case it.
    if (length == 0 && HasOffsets(*type) && (array->buffers[1] == nullptr || array->buffers[1]->size() == 0)) {
      array->buffers[1] = ZeroOffsets();
    }

    if (type->id() == TypeId::kDictionary) {
      HANGAR_ASSIGN_OR_RETURN(int64_t id, dictionary_fields_.IdOf(&field));
      auto it = dictionaries_.find(id);
      if (it == dictionaries_.end())
        return Status::Invalid("record batch uses dictionary id " + std::to_string(id) + " before it was sent");
      array->dictionary = it->second;
      return array;
    }
    for (const auto& child : type->children()) {
      HANGAR_ASSIGN_OR_RETURN(auto c, Load(*child, depth + 1));
      array->children.push_back(std::move(c));
    }
    return array;
  }

  Result<BufferPtr> NextBuffer() {
    if (buffer_index_ >= num_buffers_) return Status::Invalid("record batch has fewer buffers than its schema needs");
    const fb::Buffer b = LoadStruct(rb_->buffers(), static_cast<size_t>(buffer_index_++));
    const int64_t offset = b.offset();
    const int64_t length = b.length();
    if (offset < 0 || length < 0 || offset > body_->size() || length > body_->size() - offset)
      return Status::Invalid("buffer " + std::to_string(buffer_index_ - 1) + " (offset " + std::to_string(offset) +
                             ", length " + std::to_string(length) + ") lies outside the message body of " +
                             std::to_string(body_->size()) + " bytes");
    BufferPtr buf = body_->Slice(offset, length);
    if (codec_ != Compression::kNone) {
      HANGAR_ASSIGN_OR_RETURN(buf, DecompressBuffer(codec_, buf, options_.max_message_size));
    }
    // Typed access needs natural alignment; the format promises 8, but copy
    // rather than trust it.
    if (reinterpret_cast<uintptr_t>(buf->data()) % 8 != 0) buf = Buffer::CopyOf(buf->view());
    return buf;
  }

  const fb::RecordBatch* rb_;
  BufferPtr body_;
  bool legacy_unions_;
  const ReadOptions& options_;
  const DictionaryFields& dictionary_fields_;
  const std::map<int64_t, ArrayPtr>& dictionaries_;
  Compression codec_ = Compression::kNone;
  int64_t num_nodes_ = 0;
  int64_t num_buffers_ = 0;
  int64_t backing_bytes_ = 0;
  int64_t node_index_ = 0;
  int64_t buffer_index_ = 0;
  int64_t variadic_index_ = 0;
};

}  // namespace

Status StreamDecoder::SetSchema(const fb::Schema* schema) {
  if (schema_ != nullptr) return Status::Invalid("IPC stream has a second schema message");
  dictionary_fields_ = DictionaryFields();
  HANGAR_ASSIGN_OR_RETURN(schema_, SchemaFromFlatbuffer(schema, &dictionary_fields_, options_.max_recursion_depth));
  return Status::OK();
}

Result<StreamDecoder::Decoded> StreamDecoder::Consume(const Message& message) {
  switch (message.type()) {
    case fb::MessageHeader::Schema:
      HANGAR_RETURN_NOT_OK(SetSchema(message.header()->header_as_Schema()));
      return Decoded{Kind::kSchema, nullptr};
    case fb::MessageHeader::DictionaryBatch:
      if (!schema_) return Status::Invalid("IPC stream sends a dictionary batch before its schema");
      return ConsumeDictionary(message);
    case fb::MessageHeader::RecordBatch: {
      if (!schema_) return Status::Invalid("IPC stream sends a record batch before its schema");
      HANGAR_ASSIGN_OR_RETURN(auto batch, ConsumeRecordBatch(message));
      return Decoded{Kind::kRecordBatch, std::move(batch)};
    }
    case fb::MessageHeader::Tensor:
    case fb::MessageHeader::SparseTensor: return Status::Invalid("IPC tensor messages are not supported");
    default:
      return Status::Invalid("IPC message has an unknown header type " +
                             std::to_string(static_cast<int>(message.type())));
  }
}

Result<StreamDecoder::Decoded> StreamDecoder::Consume(BufferPtr metadata, BufferPtr body) {
  HANGAR_ASSIGN_OR_RETURN(auto message, Message::Open(std::move(metadata), std::move(body)));
  return Consume(message);
}

Result<StreamDecoder::Decoded> StreamDecoder::ConsumeDictionary(const Message& message) {
  const fb::DictionaryBatch* db = message.header()->header_as_DictionaryBatch();
  if (db == nullptr || db->data() == nullptr) return Status::Invalid("dictionary batch without data");
  const int64_t id = db->id();
  HANGAR_ASSIGN_OR_RETURN(FieldPtr dict_field, dictionary_fields_.FieldOf(id));
  Field values_field("dictionary", dict_field->type()->value_type(), true);
  ArrayLoader loader(db->data(), message, options_, dictionary_fields_, dictionaries_);
  HANGAR_RETURN_NOT_OK(loader.Init());
  auto loaded = loader.Load(values_field, 1);
  if (!loaded.ok()) return loaded.status().WithContext("dictionary " + std::to_string(id));
  ArrayPtr values = std::move(loaded).value();
  // Validated once here, in full if asked; record batches then check only
  // their indices against it.
  Status st = ValidateArray(*values, ValidateOptions{options_.validate, true});
  if (st.ok() && options_.validate && options_.validate_utf8) st = ValidateUtf8(*values);
  if (!st.ok()) return st.WithContext("dictionary " + std::to_string(id));
  if (db->isDelta()) {
    auto it = dictionaries_.find(id);
    if (it == dictionaries_.end())
      return Status::Invalid("dictionary delta for id " + std::to_string(id) + " before any dictionary");
    // Checked before the copy a delta costs.
    const int64_t grown = TotalBufferSize(*it->second) + TotalBufferSize(*values);
    if (grown > options_.max_dictionary_bytes)
      return Status::ResourceExhausted("dictionary " + std::to_string(id) + " would grow to " + std::to_string(grown) +
                                       " bytes through deltas, more than the limit of " +
                                       std::to_string(options_.max_dictionary_bytes) + " bytes" +
                                       options_.max_dictionary_bytes_origin);
    if (it->second->length + values->length > options_.max_batch_rows)
      return Status::ResourceExhausted("dictionary " + std::to_string(id) + " would grow to more than " +
                                       std::to_string(options_.max_batch_rows) + " values through deltas" +
                                       options_.max_batch_rows_origin);
    HANGAR_ASSIGN_OR_RETURN(values, Concatenate({it->second, values}));
  } else if (TotalBufferSize(*values) > options_.max_dictionary_bytes) {
    return Status::ResourceExhausted("dictionary " + std::to_string(id) + " holds " +
                                     std::to_string(TotalBufferSize(*values)) + " bytes, more than the limit of " +
                                     std::to_string(options_.max_dictionary_bytes) + " bytes" +
                                     options_.max_dictionary_bytes_origin);
  }
  dictionaries_[id] = std::move(values);
  Decoded decoded{Kind::kDictionary, nullptr};
  decoded.dictionary_id = id;
  decoded.is_delta = db->isDelta();
  return decoded;
}

Result<RecordBatchPtr> StreamDecoder::ConsumeRecordBatch(const Message& message) {
  const fb::RecordBatch* rb = message.header()->header_as_RecordBatch();
  if (rb == nullptr) return Status::Invalid("record batch message without metadata");
  if (rb->length() < 0) return Status::Invalid("record batch has negative length " + std::to_string(rb->length()));
  if (rb->length() > options_.max_batch_rows)
    return Status::ResourceExhausted("a record batch of " + std::to_string(rb->length()) +
                                     " rows is more than the limit of " + std::to_string(options_.max_batch_rows) +
                                     " rows per batch" + options_.max_batch_rows_origin);
  ArrayLoader loader(rb, message, options_, dictionary_fields_, dictionaries_);
  HANGAR_RETURN_NOT_OK(loader.Init());
  std::vector<ArrayPtr> columns;
  columns.reserve(schema_->fields().size());
  for (const auto& f : schema_->fields()) {
    HANGAR_ASSIGN_OR_RETURN(auto column, loader.Load(*f, 1));
    columns.push_back(std::move(column));
  }
  auto batch = MakeRecordBatch(schema_, rb->length(), std::move(columns));
  // Sizes and shapes are always checked (O(1) per array): nothing downstream
  // may read past a buffer even when the caller trusts the data.
  HANGAR_RETURN_NOT_OK(ValidateBatch(*batch, ValidateOptions{options_.validate, /*check_dictionary_values=*/false}));
  if (options_.validate && options_.validate_utf8) {
    for (const auto& column : batch->columns)
      HANGAR_RETURN_NOT_OK(ValidateUtf8(*column, /*check_dictionary_values=*/false));
  }
  return batch;
}

}  // namespace hangar::arrow::ipc
