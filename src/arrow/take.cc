#include "arrow/take.h"

#include <cstring>
#include <limits>

#include "arrow/concatenate.h"

namespace hangar::arrow {

namespace {

// The validity bitmap of the result (null when every taken row is valid).
BufferPtr TakeValidity(const Array& values, const std::vector<int64_t>& indices, int64_t* null_count) {
  const int64_t n = static_cast<int64_t>(indices.size());
  int64_t nulls = 0;
  for (int64_t k = 0; k < n; ++k) nulls += indices[k] < 0 || values.IsNull(indices[k]);
  *null_count = nulls;
  if (nulls == 0) return nullptr;
  uint8_t* bits = nullptr;
  auto validity = AllocateBuffer(bit::BytesFor(n), &bits);
  for (int64_t k = 0; k < n; ++k) {
    if (indices[k] >= 0 && values.IsValid(indices[k])) bit::Set(bits, k);
  }
  return validity;
}

ArrayPtr TakeFixedWidth(const Array& values, const std::vector<int64_t>& indices) {
  const int64_t n = static_cast<int64_t>(indices.size());
  int64_t nulls = 0;
  auto validity = TakeValidity(values, indices, &nulls);
  uint8_t* out = nullptr;
  if (values.type->id() == TypeId::kBool) {
    auto bits = AllocateBuffer(bit::BytesFor(n), &out);
    const uint8_t* in = values.raw<uint8_t>(1);
    for (int64_t k = 0; k < n; ++k) {
      if (indices[k] >= 0 && bit::Get(in, values.offset + indices[k])) bit::Set(out, k);
    }
    return MakeArray(values.type, n, {std::move(validity), std::move(bits)}, {}, nulls);
  }
  const int64_t width = values.type->bit_width() / 8;
  auto data = AllocateBuffer(n * width, &out);
  const uint8_t* in = values.raw<uint8_t>(1);
  for (int64_t k = 0; k < n; ++k) {
    if (indices[k] >= 0) std::memcpy(out + k * width, in + (values.offset + indices[k]) * width, width);
  }
  return MakeArray(values.type, n, {std::move(validity), std::move(data)}, {}, nulls);
}

template <typename Offset>
Result<ArrayPtr> TakeBinary(const Array& values, const std::vector<int64_t>& indices) {
  const int64_t n = static_cast<int64_t>(indices.size());
  int64_t nulls = 0;
  auto validity = TakeValidity(values, indices, &nulls);
  const Offset* in_offsets = values.raw<Offset>(1) + values.offset;
  const uint8_t* in_data = values.raw<uint8_t>(2);
  int64_t bytes = 0;
  for (int64_t k = 0; k < n; ++k) {
    if (indices[k] >= 0) bytes += in_offsets[indices[k] + 1] - in_offsets[indices[k]];
  }
  if (bytes > std::numeric_limits<Offset>::max())
    return Status::Invalid("take: " + std::to_string(bytes) + " bytes of " + values.type->ToString() +
                           " do not fit its offsets");
  uint8_t *offsets_out = nullptr, *data_out = nullptr;
  auto offsets = AllocateBuffer((n + 1) * static_cast<int64_t>(sizeof(Offset)), &offsets_out);
  auto data = AllocateBuffer(bytes, &data_out);
  Offset pos = 0;
  for (int64_t k = 0; k < n; ++k) {
    std::memcpy(offsets_out + k * sizeof(Offset), &pos, sizeof(Offset));
    if (indices[k] < 0) continue;
    const Offset begin = in_offsets[indices[k]], size = in_offsets[indices[k] + 1] - begin;
    if (size > 0) std::memcpy(data_out + pos, in_data + begin, static_cast<size_t>(size));
    pos += size;
  }
  std::memcpy(offsets_out + n * sizeof(Offset), &pos, sizeof(Offset));
  return MakeArray(values.type, n, {std::move(validity), std::move(offsets), std::move(data)}, {}, nulls);
}

bool IsFlatFixedWidth(const DataType& t) {
  if (t.id() == TypeId::kBool) return true;
  if (t.is_nested() || t.id() == TypeId::kDictionary || t.id() == TypeId::kNull || t.is_binary_like() || t.is_view())
    return false;
  return t.bit_width() > 0 && t.bit_width() % 8 == 0;
}

// Any type: slices of consecutive indices (and one-row null arrays) concatenated.
Result<ArrayPtr> TakeBySlices(const ArrayPtr& values, const std::vector<int64_t>& indices) {
  const int64_t n = static_cast<int64_t>(indices.size());
  if (n == 0) return values->Slice(0, 0);
  std::vector<ArrayPtr> pieces;
  ArrayPtr null_row;
  for (int64_t k = 0; k < n;) {
    if (indices[k] < 0) {
      if (null_row == nullptr) null_row = MakeNullArray(values->type, 1);
      pieces.push_back(null_row);
      ++k;
      continue;
    }
    int64_t end = k + 1;
    while (end < n && indices[end] == indices[end - 1] + 1) ++end;
    pieces.push_back(values->Slice(indices[k], end - k));
    k = end;
  }
  if (pieces.size() == 1) return pieces[0];
  return Concatenate(pieces);
}

}  // namespace

Result<ArrayPtr> Take(const ArrayPtr& values, const std::vector<int64_t>& indices) {
  for (int64_t index : indices) {
    if (index >= values->length)
      return Status::Invalid("take: index " + std::to_string(index) + " past the end of an array of " +
                             std::to_string(values->length));
  }
  const DataType& t = *values->type;
  if (t.id() == TypeId::kNull) return MakeNullArray(values->type, static_cast<int64_t>(indices.size()));
  if (IsFlatFixedWidth(t)) return TakeFixedWidth(*values, indices);
  if (t.id() == TypeId::kUtf8 || t.id() == TypeId::kBinary) return TakeBinary<int32_t>(*values, indices);
  if (t.id() == TypeId::kLargeUtf8 || t.id() == TypeId::kLargeBinary) return TakeBinary<int64_t>(*values, indices);
  return TakeBySlices(values, indices);
}

}  // namespace hangar::arrow
