#include "arrow/array_access.h"

#include <algorithm>

namespace hangar::arrow {

int64_t LoadInteger(TypeId id, const uint8_t* p, int64_t j) {
  switch (id) {
    case TypeId::kInt8: return LoadValue<int8_t>(p, j);
    case TypeId::kUInt8: return LoadValue<uint8_t>(p, j);
    case TypeId::kInt16: return LoadValue<int16_t>(p, j);
    case TypeId::kUInt16: return LoadValue<uint16_t>(p, j);
    case TypeId::kInt32: return LoadValue<int32_t>(p, j);
    case TypeId::kUInt32: return LoadValue<uint32_t>(p, j);
    case TypeId::kUInt64: return static_cast<int64_t>(LoadValue<uint64_t>(p, j));
    default: return LoadValue<int64_t>(p, j);
  }
}

bool IsLogicallyValid(const Array& a, int64_t i) {
  switch (a.type->id()) {
    case TypeId::kNull: return false;
    case TypeId::kSparseUnion:
    case TypeId::kDenseUnion: {
      int child;
      int64_t row;
      UnionSlot(a, i, &child, &row);
      return IsLogicallyValid(*a.children[child], row);
    }
    case TypeId::kRunEndEncoded: return IsLogicallyValid(*a.children[1], RunEndValueIndex(a, i));
    case TypeId::kDictionary: return a.IsValid(i) && IsLogicallyValid(*a.dictionary, DictionaryIndex(a, i));
    default: return a.IsValid(i);
  }
}

std::string_view BinaryValue(const Array& a, int64_t i) {
  switch (a.type->id()) {
    case TypeId::kFixedSizeBinary: {
      const int64_t w = a.type->byte_width();
      return {reinterpret_cast<const char*>(a.buffers[1]->data()) + (a.offset + i) * w, static_cast<size_t>(w)};
    }
    case TypeId::kUtf8View:
    case TypeId::kBinaryView: {
      const uint8_t* view = a.buffers[1]->data() + 16 * (a.offset + i);
      int32_t len;
      std::memcpy(&len, view, 4);
      if (len <= 12) return {reinterpret_cast<const char*>(view + 4), static_cast<size_t>(len)};
      int32_t index, off;
      std::memcpy(&index, view + 8, 4);
      std::memcpy(&off, view + 12, 4);
      return {reinterpret_cast<const char*>(a.buffers[2 + index]->data()) + off, static_cast<size_t>(len)};
    }
    default: return a.GetBinary(i);
  }
}

void ListRange(const Array& a, int64_t i, int64_t* begin, int64_t* end) {
  const int64_t j = a.offset + i;
  switch (a.type->id()) {
    case TypeId::kList:
    case TypeId::kMap:
      *begin = LoadValue<int32_t>(a.buffers[1]->data(), j);
      *end = LoadValue<int32_t>(a.buffers[1]->data(), j + 1);
      return;
    case TypeId::kLargeList:
      *begin = LoadValue<int64_t>(a.buffers[1]->data(), j);
      *end = LoadValue<int64_t>(a.buffers[1]->data(), j + 1);
      return;
    case TypeId::kListView:
      *begin = LoadValue<int32_t>(a.buffers[1]->data(), j);
      *end = *begin + LoadValue<int32_t>(a.buffers[2]->data(), j);
      return;
    case TypeId::kLargeListView:
      *begin = LoadValue<int64_t>(a.buffers[1]->data(), j);
      *end = *begin + LoadValue<int64_t>(a.buffers[2]->data(), j);
      return;
    default: {  // fixed_size_list
      const int64_t n = a.type->list_size();
      *begin = j * n;
      *end = *begin + n;
    }
  }
}

void UnionSlot(const Array& a, int64_t i, int* child, int64_t* row) {
  const int8_t code = static_cast<int8_t>(a.buffers[0]->data()[a.offset + i]);
  const auto& codes = a.type->type_codes();
  *child = static_cast<int>(std::find(codes.begin(), codes.end(), code) - codes.begin());
  if (a.type->id() == TypeId::kDenseUnion) {
    *row = LoadValue<int32_t>(a.buffers[1]->data(), a.offset + i);
  } else {
    *row = a.offset + i;
  }
  // Rows are logical positions in the child array.
}

int64_t RunEndValueIndex(const Array& a, int64_t i) {
  const Array& run_ends = *a.children[0];
  const int64_t target = a.offset + i;
  // First run whose end is greater than the position.
  int64_t lo = 0, hi = run_ends.length;
  while (lo < hi) {
    int64_t mid = (lo + hi) / 2;
    if (LoadInteger(run_ends, run_ends.offset + mid) <= target)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

}  // namespace hangar::arrow
