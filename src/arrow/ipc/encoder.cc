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
  return LoadValue<O>(a.buffers[1]->data(), a.offset + i);
}

// Offsets [offset, offset + length] rebased to start at 0 (shared when they
// already do). The caller checked the buffer holds them.
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
//
// Arrays handed to a writer are trusted to be valid (they were built here or
// validated on the way in), but every buffer range is still checked against
// its buffer before it is referenced: a malformed array becomes an error,
// not bytes from beyond the buffer on the wire.
class BodyWriter {
 public:
  explicit BodyWriter(const WriteOptions& options) : options_(options) {}

  Status Write(const Array& a) {
    const DataType& t = *a.type;
    if (a.length < 0 || a.offset < 0) return Status::Invalid("array with negative length or offset");
    if (a.buffers.size() < static_cast<size_t>(t.num_fixed_buffers()))
      return Status::Invalid(t.ToString() + " array has " + std::to_string(a.buffers.size()) + " buffers, needs " +
                             std::to_string(t.num_fixed_buffers()));
    const int64_t null_count = a.null_count();
    nodes_.emplace_back(a.length, t.id() == TypeId::kNull ? a.length : null_count);
    if (t.has_validity_bitmap()) {
      if (null_count == 0 || !a.buffers[0]) {
        HANGAR_RETURN_NOT_OK(Add(nullptr));
      } else {
        HANGAR_RETURN_NOT_OK(Need(a.buffers[0], 0, bit::BytesFor(a.offset + a.length), "validity bitmap"));
        HANGAR_RETURN_NOT_OK(Add(BitmapSlice(a.buffers[0], a.offset, a.length)));
      }
    }
    switch (t.id()) {
      case TypeId::kNull: return Status::OK();
      case TypeId::kUtf8:
      case TypeId::kBinary: return WriteBinary<int32_t>(a);
      case TypeId::kLargeUtf8:
      case TypeId::kLargeBinary: return WriteBinary<int64_t>(a);
      case TypeId::kUtf8View:
      case TypeId::kBinaryView: {
        // Views keep pointing into the data buffers, so those go whole.
        HANGAR_RETURN_NOT_OK(AddSlice(a.buffers[1], a.offset * 16, a.length * 16, "views"));
        for (size_t i = 2; i < a.buffers.size(); ++i) HANGAR_RETURN_NOT_OK(Add(a.buffers[i]));
        variadic_counts_.push_back(static_cast<int64_t>(a.buffers.size()) - 2);
        return Status::OK();
      }
      case TypeId::kList:
      case TypeId::kMap: return WriteList<int32_t>(a);
      case TypeId::kLargeList: return WriteList<int64_t>(a);
      case TypeId::kListView:
      case TypeId::kLargeListView: {
        // Views may point anywhere in the child: keep the child whole.
        const int64_t w = t.id() == TypeId::kListView ? 4 : 8;
        HANGAR_RETURN_NOT_OK(AddSlice(a.buffers[1], a.offset * w, a.length * w, "offsets"));
        HANGAR_RETURN_NOT_OK(AddSlice(a.buffers[2], a.offset * w, a.length * w, "sizes"));
        HANGAR_RETURN_NOT_OK(NeedChildren(a, 1));
        return Write(*a.children[0]);
      }
      case TypeId::kFixedSizeList: {
        HANGAR_RETURN_NOT_OK(NeedChildren(a, 1));
        const int64_t n = t.list_size();
        if (a.children[0]->length < (a.offset + a.length) * n)
          return Status::Invalid("fixed_size_list child is shorter than the list");
        return Write(*a.children[0]->Slice(a.offset * n, a.length * n));
      }
      case TypeId::kStruct:
        HANGAR_RETURN_NOT_OK(NeedChildren(a, t.children().size()));
        for (const auto& c : a.children) {
          if (c->length < a.offset + a.length) return Status::Invalid("struct child is shorter than the struct");
          HANGAR_RETURN_NOT_OK(Write(*c->Slice(a.offset, a.length)));
        }
        return Status::OK();
      case TypeId::kSparseUnion:
        HANGAR_RETURN_NOT_OK(AddSlice(a.buffers[0], a.offset, a.length, "type ids"));
        HANGAR_RETURN_NOT_OK(NeedChildren(a, t.children().size()));
        for (const auto& c : a.children) {
          if (c->length < a.offset + a.length) return Status::Invalid("sparse union child is shorter than the union");
          HANGAR_RETURN_NOT_OK(Write(*c->Slice(a.offset, a.length)));
        }
        return Status::OK();
      case TypeId::kDenseUnion:
        // Offsets point into the children, which therefore go whole.
        HANGAR_RETURN_NOT_OK(AddSlice(a.buffers[0], a.offset, a.length, "type ids"));
        HANGAR_RETURN_NOT_OK(AddSlice(a.buffers[1], a.offset * 4, a.length * 4, "offsets"));
        HANGAR_RETURN_NOT_OK(NeedChildren(a, t.children().size()));
        for (const auto& c : a.children) HANGAR_RETURN_NOT_OK(Write(*c));
        return Status::OK();
      case TypeId::kRunEndEncoded: HANGAR_RETURN_NOT_OK(NeedChildren(a, 2)); return WriteRunEnds(a);
      case TypeId::kDictionary: {
        const int64_t w = t.index_type()->bit_width() / 8;
        return AddSlice(a.buffers[1], a.offset * w, a.length * w, "indices");
      }
      case TypeId::kBool:
        if (a.length == 0) return Add(nullptr);
        HANGAR_RETURN_NOT_OK(Need(a.buffers[1], 0, bit::BytesFor(a.offset + a.length), "values"));
        return Add(BitmapSlice(a.buffers[1], a.offset, a.length));
      default: {
        const int64_t w = t.id() == TypeId::kFixedSizeBinary ? t.byte_width() : t.bit_width() / 8;
        return AddSlice(a.buffers[1], a.offset * w, a.length * w, "values");
      }
    }
  }

  Offset<fb::RecordBatch> Finish(FlatBufferBuilder& fbb, int64_t length) {
    auto nodes = fbb.CreateVectorOfStructs(nodes_);
    auto buffers = fbb.CreateVectorOfStructs(buffers_);
    Offset<fb::BodyCompression> compression = 0;
    if (options_.compression != Compression::kNone) {
      auto codec =
          options_.compression == Compression::kLz4Frame ? fb::CompressionType::LZ4_FRAME : fb::CompressionType::ZSTD;
      compression = fb::CreateBodyCompression(fbb, codec, fb::BodyCompressionMethod::BUFFER);
    }
    Offset<flatbuffers::Vector<int64_t>> variadic = 0;
    if (!variadic_counts_.empty()) variadic = fbb.CreateVector(variadic_counts_);
    return fb::CreateRecordBatch(fbb, length, nodes, buffers, compression, variadic);
  }

  std::vector<BufferPtr> TakeBody() { return std::move(body_); }
  int64_t body_length() const { return body_length_; }

 private:
  static Status Need(const BufferPtr& buf, int64_t offset, int64_t length, const char* what) {
    const int64_t have = buf ? buf->size() : 0;
    if (offset + length > have)
      return Status::Invalid(std::string("array ") + what + " buffer has " + std::to_string(have) +
                             " bytes, the array needs " + std::to_string(offset + length));
    return Status::OK();
  }

  static Status NeedChildren(const Array& a, size_t n) {
    if (a.children.size() != n)
      return Status::Invalid(a.type->ToString() + " array has " + std::to_string(a.children.size()) +
                             " children, needs " + std::to_string(n));
    for (const auto& c : a.children) {
      if (!c) return Status::Invalid(a.type->ToString() + " array has a missing child");
    }
    return Status::OK();
  }

  // Adds [offset, offset + length) of `buf` (nothing if length is 0).
  Status AddSlice(const BufferPtr& buf, int64_t offset, int64_t length, const char* what) {
    if (length == 0) return Add(nullptr);
    HANGAR_RETURN_NOT_OK(Need(buf, offset, length, what));
    return Add(offset == 0 && length == buf->size() ? buf : buf->Slice(offset, length));
  }

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
  Status CheckOffsets(const Array& a) {
    if (a.length == 0) return Status::OK();
    return Need(a.buffers[1], a.offset * static_cast<int64_t>(sizeof(O)),
                (a.length + 1) * static_cast<int64_t>(sizeof(O)), "offsets");
  }

  template <typename O>
  Status WriteBinary(const Array& a) {
    HANGAR_RETURN_NOT_OK(CheckOffsets<O>(a));
    HANGAR_RETURN_NOT_OK(Add(RebasedOffsets<O>(a)));
    if (a.length == 0) return Add(nullptr);
    const O start = LoadOffset<O>(a, 0), end = LoadOffset<O>(a, a.length);
    if (start < 0 || end < start) return Status::Invalid("string/binary array has invalid offsets");
    return AddSlice(a.buffers[2], start, end - start, "data");
  }

  template <typename O>
  Status WriteList(const Array& a) {
    HANGAR_RETURN_NOT_OK(NeedChildren(a, 1));
    HANGAR_RETURN_NOT_OK(CheckOffsets<O>(a));
    HANGAR_RETURN_NOT_OK(Add(RebasedOffsets<O>(a)));
    if (a.length == 0) return Write(*a.children[0]->Slice(0, 0));
    const O start = LoadOffset<O>(a, 0), end = LoadOffset<O>(a, a.length);
    if (start < 0 || end < start || end > a.children[0]->length)
      return Status::Invalid("list array offsets lie outside its child");
    return Write(*a.children[0]->Slice(start, end - start));
  }

  // A sliced run-end encoded array is re-encoded over its own range: run
  // ends are logical positions, so they cannot be shared with an offset.
  Status WriteRunEnds(const Array& a) {
    const Array& run_ends = *a.children[0];
    const Array& values = *a.children[1];
    if (a.offset == 0) {
      HANGAR_RETURN_NOT_OK(Write(run_ends));
      return Write(values);
    }
    const int64_t w = run_ends.type->bit_width() / 8;
    if (w != 2 && w != 4 && w != 8) return Status::Invalid("run ends must be int16, int32 or int64");
    HANGAR_RETURN_NOT_OK(Need(run_ends.buffers.size() > 1 ? run_ends.buffers[1] : nullptr, run_ends.offset * w,
                              run_ends.length * w, "run ends"));
    auto load = [&](int64_t i) -> int64_t {
      const uint8_t* p = run_ends.buffers[1]->data();
      const int64_t j = run_ends.offset + i;
      return w == 2 ? LoadValue<int16_t>(p, j) : w == 4 ? LoadValue<int32_t>(p, j) : LoadValue<int64_t>(p, j);
    };
    // Run ends increase: binary search for the first run ending after a
    // position.
    auto run_after = [&](int64_t pos) {
      int64_t lo = 0, hi = run_ends.length;
      while (lo < hi) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (load(mid) <= pos)
          lo = mid + 1;
        else
          hi = mid;
      }
      return lo;
    };
    int64_t first = 0, runs = 0;
    if (a.length > 0) {
      first = run_after(a.offset);
      const int64_t last = run_after(a.offset + a.length - 1);
      if (last >= run_ends.length || last >= values.length)
        return Status::Invalid("run-end encoded array's runs end before the array does");
      runs = last - first + 1;
    }
    uint8_t* out = nullptr;
    auto buf = AllocateBuffer(runs * w, &out);
    for (int64_t k = 0; k < runs; ++k) {
      const int64_t v = std::min(load(first + k) - a.offset, a.length);
      if (w == 2) {
        int16_t x = static_cast<int16_t>(v);
        std::memcpy(out + 2 * k, &x, 2);
      } else if (w == 4) {
        int32_t x = static_cast<int32_t>(v);
        std::memcpy(out + 4 * k, &x, 4);
      } else {
        std::memcpy(out + 8 * k, &v, 8);
      }
    }
    HANGAR_RETURN_NOT_OK(Write(*MakeArray(run_ends.type, runs, {nullptr, buf}, {}, 0)));
    return Write(*values.Slice(first, runs));
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
    : schema_(WithDistinctDictionaryFields(schema)),
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

flatbuffers::Offset<fb::Schema> StreamEncoder::WriteSchema(flatbuffers::FlatBufferBuilder& fbb) const {
  return SchemaToFlatbuffer(fbb, *schema_, dictionary_fields_);
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
  Status st = body.Write(*values);
  if (!st.ok()) return st.WithContext("dictionary " + std::to_string(id));
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
    return Status::Invalid("record batch has " + std::to_string(batch.num_columns()) +
                           " columns, the stream's schema " + std::to_string(schema_->num_fields()));
  for (int i = 0; i < batch.num_columns(); ++i) {
    if (!batch.column(i) || !batch.column(i)->type)
      return Status::Invalid("record batch column '" + schema_->field(i)->name() + "' is missing");
    if (batch.column(i)->length != batch.num_rows)
      return Status::Invalid("column '" + schema_->field(i)->name() + "' has " +
                             std::to_string(batch.column(i)->length) + " rows, the batch " +
                             std::to_string(batch.num_rows));
    if (!batch.column(i)->type->Equals(*schema_->field(i)->type(), false))
      return Status::Invalid("column '" + schema_->field(i)->name() + "' has type " +
                             batch.column(i)->type->ToString() + ", the stream's schema says " +
                             schema_->field(i)->type()->ToString());
  }
  std::vector<EncodedMessage> out;
  // What the reader will know once these messages are written; committed
  // only when the whole batch encoded, so that a failed batch leaves the
  // encoder as it was.
  std::map<int64_t, ArrayPtr> sent = sent_dictionaries_;
  if (!dictionary_fields_.empty()) {
    std::map<int64_t, ArrayPtr> current;
    for (int i = 0; i < batch.num_columns(); ++i)
      HANGAR_RETURN_NOT_OK(CollectDictionaries(schema_->field(i), batch.column(i), &current));
    for (int64_t id : dictionary_fields_.emit_order()) {
      auto it = current.find(id);
      if (it == current.end()) continue;
      const ArrayPtr& values = it->second;
      auto known = sent.find(id);
      if (known != sent.end()) {
        const ArrayPtr& old = known->second;
        if (old == values || ArrayEquals(*old, *values)) continue;
        const bool grew = values->length > old->length && ArrayEquals(*old, *values->Slice(0, old->length));
        if (grew && (options_.emit_dictionary_deltas || for_file_)) {
          HANGAR_ASSIGN_OR_RETURN(auto m,
                                  EncodeDictionary(id, values->Slice(old->length, values->length - old->length), true));
          out.push_back(std::move(m));
          known->second = values;
          continue;
        }
        if (for_file_)
          return Status::Invalid("an Arrow IPC file cannot replace dictionary " + std::to_string(id) +
                                 "; only deltas that append values are allowed");
      }
      HANGAR_ASSIGN_OR_RETURN(auto m, EncodeDictionary(id, values, false));
      out.push_back(std::move(m));
      sent[id] = values;
    }
  }
  BodyWriter body(options_);
  for (int i = 0; i < batch.num_columns(); ++i) {
    Status st = body.Write(*batch.column(i));
    if (!st.ok()) return st.WithContext("column '" + schema_->field(i)->name() + "'");
  }
  FlatBufferBuilder fbb;
  auto rb = body.Finish(fbb, batch.num_rows);
  EncodedMessage m;
  m.body_length = body.body_length();
  m.metadata = FinishMessage(fbb, fb::MessageHeader::RecordBatch, rb.Union(), m.body_length);
  m.body = body.TakeBody();
  out.push_back(std::move(m));
  sent_dictionaries_ = std::move(sent);
  return out;
}

}  // namespace hangar::arrow::ipc
