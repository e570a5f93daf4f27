#include "arrow/ipc/encoder.h"

#include <cstring>
#include <string>

#include "arrow/compare.h"
#include "arrow/ipc/compression.h"

namespace hangar::arrow::ipc {

namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

// Shared zero bytes for body padding (at most 63 are ever needed).
BufferPtr Padding(int64_t n) {
  static const BufferPtr zeros = [] {
    uint8_t* unused = nullptr;
    return AllocateBuffer(64, &unused);
  }();
  return zeros->Slice(0, n);
}

BufferPtr FinishMessage(FlatBufferBuilder& fbb, fb::MessageHeader type, Offset<void> header, int64_t body_length) {
  auto message = fb::CreateMessage(fbb, fb::MetadataVersion::V5, type, header, body_length);
  fbb.Finish(message);
  return Buffer::CopyOf(std::string_view(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize()));
}

// `length` bits of `bitmap` from bit `offset`, as a buffer starting at bit 0.
BufferPtr BitmapSlice(const BufferPtr& bitmap, int64_t offset, int64_t length) {
  if (offset % 8 == 0) return bitmap->Slice(offset / 8, bit::BytesFor(length));
  uint8_t* out = nullptr;
  auto buf = AllocateBuffer(bit::BytesFor(length), &out);
  bit::Copy(bitmap->data(), offset, length, out, 0);
  return buf;
}

template <typename O>
O LoadOffset(const Array& a, int64_t i) {
  O v;
  std::memcpy(&v, a.buffers[1]->data() + (a.offset + i) * static_cast<int64_t>(sizeof(O)), sizeof(O));
  return v;
}

// Offsets [offset, offset + length] rebased to start at 0 (shared when they already do).
template <typename O>
BufferPtr RebasedOffsets(const Array& a) {
  const int64_t w = sizeof(O);
  if (a.length == 0 || !a.buffers[1] || a.buffers[1]->size() == 0) {
    uint8_t* unused = nullptr;
    return AllocateBuffer(w, &unused);  // a single 0
  }
  O first = LoadOffset<O>(a, 0);
  if (first == 0) return a.buffers[1]->Slice(a.offset * w, (a.length + 1) * w);
  uint8_t* out = nullptr;
  auto buf = AllocateBuffer((a.length + 1) * w, &out);
  for (int64_t i = 0; i <= a.length; ++i) {
    O v = static_cast<O>(LoadOffset<O>(a, i) - first);
    std::memcpy(out + i * w, &v, w);
  }
  return buf;
}

// Collects the nodes and buffers of one array tree in the format's pre-order.
class BodyWriter {
 public:
  explicit BodyWriter(const WriteOptions& options) : options_(options) {}

  Status Write(const Array& a) {
    const DataType& t = *a.type;
    const int64_t null_count = a.null_count();
    nodes_.emplace_back(a.length, t.id() == TypeId::kNull ? a.length : null_count);
    if (t.has_validity_bitmap()) {
      HANGAR_RETURN_NOT_OK(
          Add(null_count == 0 || !a.buffers[0] ? nullptr : BitmapSlice(a.buffers[0], a.offset, a.length)));
    }
    switch (t.id()) {
      case TypeId::kNull:
        return Status::OK();
      case TypeId::kUtf8: case TypeId::kBinary:
        return WriteBinary<int32_t>(a);
      case TypeId::kLargeUtf8: case TypeId::kLargeBinary:
        return WriteBinary<int64_t>(a);
      case TypeId::kUtf8View: case TypeId::kBinaryView: {
        HANGAR_RETURN_NOT_OK(Add(a.buffers[1]->Slice(a.offset * 16, a.length * 16)));
        for (size_t i = 2; i < a.buffers.size(); ++i) HANGAR_RETURN_NOT_OK(Add(a.buffers[i]));
        variadic_counts_.push_back(static_cast<int64_t>(a.buffers.size()) - 2);
        return Status::OK();
      }
      case TypeId::kList: case TypeId::kMap:
        return WriteList<int32_t>(a);
      case TypeId::kLargeList:
        return WriteList<int64_t>(a);
      case TypeId::kListView: case TypeId::kLargeListView: {
        // Views may point anywhere in the child: keep the child whole.
        const int64_t w = t.id() == TypeId::kListView ? 4 : 8;
        HANGAR_RETURN_NOT_OK(Add(a.buffers[1]->Slice(a.offset * w, a.length * w)));
        HANGAR_RETURN_NOT_OK(Add(a.buffers[2]->Slice(a.offset * w, a.length * w)));
        return Write(*a.children[0]);
      }
      case TypeId::kFixedSizeList: {
        const int64_t n = t.list_size();
        return Write(*a.children[0]->Slice(a.offset * n, a.length * n));
      }
      case TypeId::kStruct:
        for (const auto& c : a.children) HANGAR_RETURN_NOT_OK(Write(*c->Slice(a.offset, a.length)));
        return Status::OK();
      case TypeId::kSparseUnion:
        HANGAR_RETURN_NOT_OK(Add(a.buffers[0]->Slice(a.offset, a.length)));
        for (const auto& c : a.children) HANGAR_RETURN_NOT_OK(Write(*c->Slice(a.offset, a.length)));
        return Status::OK();
      case TypeId::kDenseUnion:
        HANGAR_RETURN_NOT_OK(Add(a.buffers[0]->Slice(a.offset, a.length)));
        HANGAR_RETURN_NOT_OK(Add(a.buffers[1]->Slice(a.offset * 4, a.length * 4)));
        for (const auto& c : a.children) HANGAR_RETURN_NOT_OK(Write(*c));
        return Status::OK();
      case TypeId::kRunEndEncoded:
        return WriteRunEnds(a);
      case TypeId::kDictionary: {
        const int64_t w = t.index_type()->bit_width() / 8;
        return Add(a.buffers[1]->Slice(a.offset * w, a.length * w));
      }
      case TypeId::kBool:
        return Add(BitmapSlice(a.buffers[1], a.offset, a.length));
      default: {
        const int64_t w = t.bit_width() / 8;
        return Add(a.buffers[1]->Slice(a.offset * w, a.length * w));
      }
    }
  }

  Offset<fb::RecordBatch> Finish(FlatBufferBuilder& fbb, int64_t length) {
    auto nodes = fbb.CreateVectorOfStructs(nodes_);
    auto buffers = fbb.CreateVectorOfStructs(buffers_);
    Offset<fb::BodyCompression> compression = 0;
    if (options_.compression != Compression::kNone) {
      auto codec = options_.compression == Compression::kLz4Frame ? fb::CompressionType::LZ4_FRAME
                                                                   : fb::CompressionType::ZSTD;
      compression = fb::CreateBodyCompression(fbb, codec, fb::BodyCompressionMethod::BUFFER);
    }
    Offset<flatbuffers::Vector<int64_t>> variadic = 0;
    if (!variadic_counts_.empty()) variadic = fbb.CreateVector(variadic_counts_);
    return fb::CreateRecordBatch(fbb, length, nodes, buffers, compression, variadic);
  }

  std::vector<BufferPtr> TakeBody() { return std::move(body_); }
  int64_t body_length() const { return body_length_; }

 private:
  Status Add(BufferPtr buf) {
    if (buf && buf->size() > 0 && options_.compression != Compression::kNone) {
      HANGAR_ASSIGN_OR_RETURN(buf, CompressBuffer(options_.compression, *buf, options_.zstd_level));
    }
    const int64_t size = buf ? buf->size() : 0;
    buffers_.emplace_back(body_length_, size);
    if (size > 0) body_.push_back(std::move(buf));
    body_length_ += size;
    const int64_t pad = RoundUp(body_length_, options_.alignment) - body_length_;
    if (pad > 0) {
      body_.push_back(Padding(pad));
      body_length_ += pad;
    }
    return Status::OK();
  }

  template <typename O>
  Status WriteBinary(const Array& a) {
    HANGAR_RETURN_NOT_OK(Add(RebasedOffsets<O>(a)));
    if (a.length == 0 || !a.buffers[2]) return Add(nullptr);
    O start = LoadOffset<O>(a, 0), end = LoadOffset<O>(a, a.length);
    return Add(a.buffers[2]->Slice(start, end - start));
  }

  template <typename O>
  Status WriteList(const Array& a) {
    HANGAR_RETURN_NOT_OK(Add(RebasedOffsets<O>(a)));
    if (a.length == 0 || !a.buffers[1] || a.buffers[1]->size() == 0) return Write(*a.children[0]->Slice(0, 0));
    O start = LoadOffset<O>(a, 0), end = LoadOffset<O>(a, a.length);
    return Write(*a.children[0]->Slice(start, end - start));
  }

  // A sliced run-end encoded array is re-encoded over its own range.
  Status WriteRunEnds(const Array& a) {
    const Array& run_ends = *a.children[0];
    if (a.offset == 0) {
      HANGAR_RETURN_NOT_OK(Write(run_ends));
      return Write(*a.children[1]);
    }
    auto load = [&](int64_t i) -> int64_t {
      const uint8_t* p = run_ends.buffers[1]->data();
      int64_t j = run_ends.offset + i;
      switch (run_ends.type->id()) {
        case TypeId::kInt16: { int16_t v; std::memcpy(&v, p + 2 * j, 2); return v; }
        case TypeId::kInt32: { int32_t v; std::memcpy(&v, p + 4 * j, 4); return v; }
        default: { int64_t v; std::memcpy(&v, p + 8 * j, 8); return v; }
      }
    };
    int64_t first = 0;
    while (first < run_ends.length && load(first) <= a.offset) ++first;
    int64_t last = first;
    while (last < run_ends.length && load(last) < a.offset + a.length) ++last;
    const int64_t runs = a.length == 0 ? 0 : last - first + 1;
    const int64_t w = run_ends.type->bit_width() / 8;
    uint8_t* out = nullptr;
    auto buf = AllocateBuffer(runs * w, &out);
    for (int64_t k = 0; k < runs; ++k) {
      int64_t v = std::min(load(first + k) - a.offset, a.length);
      if (w == 2) { int16_t x = static_cast<int16_t>(v); std::memcpy(out + 2 * k, &x, 2); }
      else if (w == 4) { int32_t x = static_cast<int32_t>(v); std::memcpy(out + 4 * k, &x, 4); }
      else { std::memcpy(out + 8 * k, &v, 8); }
    }
    HANGAR_RETURN_NOT_OK(Write(*MakeArray(run_ends.type, runs, {nullptr, buf}, {}, 0)));
    return Write(*a.children[1]->Slice(first, runs));
  }

  const WriteOptions& options_;
  std::vector<fb::FieldNode> nodes_;
  std::vector<fb::Buffer> buffers_;
  std::vector<int64_t> variadic_counts_;
  std::vector<BufferPtr> body_;
  int64_t body_length_ = 0;
};

}  // namespace

StreamEncoder::StreamEncoder(SchemaPtr schema, WriteOptions options, bool for_file)
    : schema_(std::move(schema)),
      options_(options),
      for_file_(for_file),
      dictionary_fields_(AssignDictionaryIds(*schema_)) {
  if (options_.alignment != 64) options_.alignment = 8;
}

Result<EncodedMessage> StreamEncoder::EncodeSchema() const {
  FlatBufferBuilder fbb;
  auto header = SchemaToFlatbuffer(fbb, *schema_, dictionary_fields_);
  return EncodedMessage{FinishMessage(fbb, fb::MessageHeader::Schema, header.Union(), 0), {}, 0};
}

Status StreamEncoder::CollectDictionaries(const FieldPtr& field, const ArrayPtr& array,
                                          std::map<int64_t, ArrayPtr>* out) const {
  const DataType& t = *field->type();
  if (t.id() == TypeId::kDictionary) {
    HANGAR_ASSIGN_OR_RETURN(int64_t id, dictionary_fields_.IdOf(field.get()));
    if (!array->dictionary) return Status::Invalid("dictionary column '" + field->name() + "' has no dictionary");
    (*out)[id] = array->dictionary;
    const auto& value_fields = t.value_type()->children();
    for (size_t i = 0; i < value_fields.size() && i < array->dictionary->children.size(); ++i)
      HANGAR_RETURN_NOT_OK(CollectDictionaries(value_fields[i], array->dictionary->children[i], out));
    return Status::OK();
  }
  for (size_t i = 0; i < t.children().size() && i < array->children.size(); ++i)
    HANGAR_RETURN_NOT_OK(CollectDictionaries(t.child(i), array->children[i], out));
  return Status::OK();
}

Result<EncodedMessage> StreamEncoder::EncodeDictionary(int64_t id, const ArrayPtr& values, bool is_delta) const {
  BodyWriter body(options_);
  HANGAR_RETURN_NOT_OK(body.Write(*values));
  FlatBufferBuilder fbb;
  auto rb = body.Finish(fbb, values->length);
  auto db = fb::CreateDictionaryBatch(fbb, id, rb, is_delta);
  EncodedMessage m;
  m.body_length = body.body_length();
  m.metadata = FinishMessage(fbb, fb::MessageHeader::DictionaryBatch, db.Union(), m.body_length);
  m.body = body.TakeBody();
  return m;
}

Result<std::vector<EncodedMessage>> StreamEncoder::EncodeBatch(const RecordBatch& batch) {
  if (batch.num_columns() != schema_->num_fields())
    return Status::Invalid("record batch has " + std::to_string(batch.num_columns()) + " columns, the stream's schema " +
                           std::to_string(schema_->num_fields()));
  for (int i = 0; i < batch.num_columns(); ++i) {
    if (!batch.column(i)->type->Equals(*schema_->field(i)->type(), false))
      return Status::Invalid("column '" + schema_->field(i)->name() + "' has type " + batch.column(i)->type->ToString() +
                             ", the stream's schema says " + schema_->field(i)->type()->ToString());
  }
  std::vector<EncodedMessage> out;
  if (!dictionary_fields_.empty()) {
    std::map<int64_t, ArrayPtr> current;
    for (int i = 0; i < batch.num_columns(); ++i)
      HANGAR_RETURN_NOT_OK(CollectDictionaries(schema_->field(i), batch.column(i), &current));
    for (int64_t id : dictionary_fields_.emit_order()) {
      auto it = current.find(id);
      if (it == current.end()) continue;
      const ArrayPtr& values = it->second;
      auto sent = sent_dictionaries_.find(id);
      if (sent != sent_dictionaries_.end()) {
        const ArrayPtr& old = sent->second;
        if (old == values || ArrayEquals(*old, *values)) continue;
        bool grew = values->length > old->length && ArrayEquals(*old, *values->Slice(0, old->length));
        if (grew && (options_.emit_dictionary_deltas || for_file_)) {
          HANGAR_ASSIGN_OR_RETURN(auto m, EncodeDictionary(id, values->Slice(old->length, values->length - old->length), true));
          out.push_back(std::move(m));
          sent->second = values;
          continue;
        }
        if (for_file_)
          return Status::Invalid("an Arrow IPC file cannot replace dictionary " + std::to_string(id) +
                                 "; only deltas that append values are allowed");
      }
      HANGAR_ASSIGN_OR_RETURN(auto m, EncodeDictionary(id, values, false));
      out.push_back(std::move(m));
      sent_dictionaries_[id] = values;
    }
  }
  BodyWriter body(options_);
  for (const auto& column : batch.columns) HANGAR_RETURN_NOT_OK(body.Write(*column));
  FlatBufferBuilder fbb;
  auto rb = body.Finish(fbb, batch.num_rows);
  EncodedMessage m;
  m.body_length = body.body_length();
  m.metadata = FinishMessage(fbb, fb::MessageHeader::RecordBatch, rb.Union(), m.body_length);
  m.body = body.TakeBody();
  out.push_back(std::move(m));
  return out;
}

}  // namespace hangar::arrow::ipc
