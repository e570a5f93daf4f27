#include "arrow/array.h"

namespace hangar::arrow {

int64_t Array::null_count() const {
  if (null_count_hint >= 0) return null_count_hint;
  if (type->id() == TypeId::kNull) return length;
  if (!type->has_validity_bitmap() || buffers.empty() || buffers[0] == nullptr) return 0;
  return length - bit::CountSet(buffers[0]->data(), offset, length);
}

std::string_view Array::GetBinary(int64_t i) const {
  const char* data = buffers[2] ? reinterpret_cast<const char*>(buffers[2]->data()) : "";
  if (type->id() == TypeId::kLargeUtf8 || type->id() == TypeId::kLargeBinary) {
    const int64_t* offs = raw<int64_t>(1) + offset;
    return {data + offs[i], static_cast<size_t>(offs[i + 1] - offs[i])};
  }
  const int32_t* offs = raw<int32_t>(1) + offset;
  return {data + offs[i], static_cast<size_t>(offs[i + 1] - offs[i])};
}

ArrayPtr Array::Slice(int64_t off, int64_t len) const {
  auto out = std::make_shared<Array>(*this);
  out->offset = offset + off;
  out->length = len;
  out->null_count_hint = (null_count_hint == 0) ? 0 : -1;
  if (type->id() == TypeId::kNull) out->null_count_hint = len;
  return out;
}

ArrayPtr MakeArray(TypePtr type, int64_t length, std::vector<BufferPtr> buffers, std::vector<ArrayPtr> children,
                   int64_t null_count, int64_t offset, ArrayPtr dictionary) {
  auto a = std::make_shared<Array>();
  a->type = std::move(type);
  a->length = length;
  a->offset = offset;
  a->null_count_hint = null_count;
  a->buffers = std::move(buffers);
  a->children = std::move(children);
  a->dictionary = std::move(dictionary);
  return a;
}

std::shared_ptr<RecordBatch> RecordBatch::Slice(int64_t off, int64_t len) const {
  auto out = std::make_shared<RecordBatch>();
  out->schema = schema;
  out->num_rows = len;
  for (const auto& c : columns) out->columns.push_back(c->Slice(off, len));
  return out;
}

RecordBatchPtr MakeRecordBatch(SchemaPtr schema, int64_t num_rows, std::vector<ArrayPtr> columns) {
  auto b = std::make_shared<RecordBatch>();
  b->schema = std::move(schema);
  b->num_rows = num_rows;
  b->columns = std::move(columns);
  return b;
}

}  // namespace hangar::arrow

namespace hangar::arrow {

namespace {

BufferPtr Zeros(int64_t size) {
  uint8_t* unused = nullptr;
  return AllocateBuffer(size, &unused);
}

// One run-end value equal to `length`, in the run-end type's width.
BufferPtr SingleRunEnd(TypeId id, int64_t length) {
  uint8_t* data = nullptr;
  int width = id == TypeId::kInt16 ? 2 : id == TypeId::kInt32 ? 4 : 8;
  auto buf = AllocateBuffer(width, &data);
  if (width == 2) {
    int16_t v = static_cast<int16_t>(length);
    std::memcpy(data, &v, 2);
  } else if (width == 4) {
    int32_t v = static_cast<int32_t>(length);
    std::memcpy(data, &v, 4);
  } else {
    std::memcpy(data, &length, 8);
  }
  return buf;
}

}  // namespace

ArrayPtr MakeNullArray(TypePtr type, int64_t length) {
  const DataType& t = *type;
  const int64_t validity_bytes = bit::BytesFor(length);
  switch (t.id()) {
    case TypeId::kNull: return MakeArray(type, length, {}, {}, length);
    case TypeId::kUtf8:
    case TypeId::kBinary:
      return MakeArray(type, length, {Zeros(validity_bytes), Zeros(4 * (length + 1)), Zeros(0)}, {}, length);
    case TypeId::kLargeUtf8:
    case TypeId::kLargeBinary:
      return MakeArray(type, length, {Zeros(validity_bytes), Zeros(8 * (length + 1)), Zeros(0)}, {}, length);
    case TypeId::kUtf8View:
    case TypeId::kBinaryView: return MakeArray(type, length, {Zeros(validity_bytes), Zeros(16 * length)}, {}, length);
    case TypeId::kList:
    case TypeId::kMap:
      return MakeArray(type, length, {Zeros(validity_bytes), Zeros(4 * (length + 1))},
                       {MakeNullArray(t.child(0)->type(), 0)}, length);
    case TypeId::kLargeList:
      return MakeArray(type, length, {Zeros(validity_bytes), Zeros(8 * (length + 1))},
                       {MakeNullArray(t.child(0)->type(), 0)}, length);
    case TypeId::kListView:
      return MakeArray(type, length, {Zeros(validity_bytes), Zeros(4 * length), Zeros(4 * length)},
                       {MakeNullArray(t.child(0)->type(), 0)}, length);
    case TypeId::kLargeListView:
      return MakeArray(type, length, {Zeros(validity_bytes), Zeros(8 * length), Zeros(8 * length)},
                       {MakeNullArray(t.child(0)->type(), 0)}, length);
    case TypeId::kFixedSizeList:
      return MakeArray(type, length, {Zeros(validity_bytes)},
                       {MakeNullArray(t.child(0)->type(), length * t.list_size())}, length);
    case TypeId::kStruct: {
      std::vector<ArrayPtr> children;
      for (const auto& f : t.children()) children.push_back(MakeNullArray(f->type(), length));
      return MakeArray(type, length, {Zeros(validity_bytes)}, std::move(children), length);
    }
    case TypeId::kSparseUnion:
    case TypeId::kDenseUnion: {
      // Every slot selects the first child, whose slot is null.
      uint8_t* ids = nullptr;
      auto type_ids = AllocateBuffer(length, &ids);
      if (!t.type_codes().empty()) std::memset(ids, static_cast<uint8_t>(t.type_codes()[0]), length);
      std::vector<ArrayPtr> children;
      bool dense = t.id() == TypeId::kDenseUnion;
      for (size_t i = 0; i < t.children().size(); ++i) {
        int64_t n = dense ? (i == 0 && length > 0 ? 1 : 0) : length;
        children.push_back(MakeNullArray(t.child(i)->type(), n));
      }
      std::vector<BufferPtr> buffers{type_ids};
      if (dense) buffers.push_back(Zeros(4 * length));
      return MakeArray(type, length, std::move(buffers), std::move(children), 0);
    }
    case TypeId::kDictionary:
      return MakeArray(type, length, {Zeros(validity_bytes), Zeros(length * t.index_type()->bit_width() / 8)}, {},
                       length, 0, MakeNullArray(t.value_type(), 0));
    case TypeId::kRunEndEncoded: {
      if (length == 0)
        return MakeArray(type, 0, {}, {MakeNullArray(t.child(0)->type(), 0), MakeNullArray(t.child(1)->type(), 0)}, 0);
      auto run_ends =
          MakeArray(t.child(0)->type(), 1, {nullptr, SingleRunEnd(t.child(0)->type()->id(), length)}, {}, 0);
      return MakeArray(type, length, {}, {run_ends, MakeNullArray(t.child(1)->type(), 1)}, 0);
    }
    default: {
      // Fixed width: bool and primitives.
      int64_t bits = static_cast<int64_t>(t.bit_width()) * length;
      return MakeArray(type, length, {Zeros(validity_bytes), Zeros(bit::BytesFor(bits))}, {}, length);
    }
  }
}

int64_t TotalBufferSize(const Array& array) {
  int64_t n = 0;
  for (const auto& b : array.buffers)
    if (b) n += b->size();
  for (const auto& c : array.children) n += TotalBufferSize(*c);
  if (array.dictionary) n += TotalBufferSize(*array.dictionary);
  return n;
}

int64_t TotalBufferSize(const RecordBatch& batch) {
  int64_t n = 0;
  for (const auto& c : batch.columns) n += TotalBufferSize(*c);
  return n;
}

namespace {

int64_t DecodedSize(const Array& array) {
  int64_t n = kArrayOverheadBytes;
  for (const auto& b : array.buffers)
    if (b) n += kBufferOverheadBytes + b->size();
  switch (array.type->id()) {
    case TypeId::kNull:
    case TypeId::kStruct:
    case TypeId::kFixedSizeList:
    case TypeId::kRunEndEncoded: n += array.length; break;
    default: break;
  }
  for (const auto& c : array.children) n += DecodedSize(*c);
  if (array.dictionary) n += DecodedSize(*array.dictionary);
  return n;
}

}  // namespace

int64_t DecodedSize(const RecordBatch& batch) {
  int64_t n = kBatchOverheadBytes;
  for (const auto& c : batch.columns) n += DecodedSize(*c);
  return n;
}

}  // namespace hangar::arrow
