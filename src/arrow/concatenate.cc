#include "arrow/concatenate.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include "arrow/array_access.h"
#include "arrow/compare.h"

namespace hangar::arrow {

namespace {

// Validity of all inputs in one bitmap, or nullptr when nothing is null.
BufferPtr ConcatValidity(const std::vector<ArrayPtr>& arrays, int64_t total, int64_t* null_count) {
  *null_count = 0;
  for (const auto& a : arrays) *null_count += a->null_count();
  if (*null_count == 0) return nullptr;
  uint8_t* out = nullptr;
  auto buf = AllocateBuffer(bit::BytesFor(total), &out);
  int64_t pos = 0;
  for (const auto& a : arrays) {
    if (a->buffers[0]) bit::Copy(a->buffers[0]->data(), a->offset, a->length, out, pos);
    else for (int64_t i = 0; i < a->length; ++i) bit::Set(out, pos + i);
    pos += a->length;
  }
  return buf;
}

BufferPtr ConcatFixed(const std::vector<ArrayPtr>& arrays, int b, int64_t width) {
  MutableBuffer out;
  for (const auto& a : arrays) out.Append(a->buffers[b]->data() + a->offset * width, a->length * width);
  return out.Finish();
}

BufferPtr ConcatBits(const std::vector<ArrayPtr>& arrays, int64_t total) {
  uint8_t* out = nullptr;
  auto buf = AllocateBuffer(bit::BytesFor(total), &out);
  int64_t pos = 0;
  for (const auto& a : arrays) {
    bit::Copy(a->buffers[1]->data(), a->offset, a->length, out, pos);
    pos += a->length;
  }
  return buf;
}

// Rebased offsets of all inputs; `ranges` receives each input's [begin, end) in its child/data.
template <typename O>
Result<BufferPtr> ConcatOffsets(const std::vector<ArrayPtr>& arrays, std::vector<std::pair<int64_t, int64_t>>* ranges) {
  MutableBuffer out;
  O base = 0;
  out.AppendValue<O>(0);
  for (const auto& a : arrays) {
    if (a->length == 0) {
      ranges->emplace_back(0, 0);
      continue;
    }
    const uint8_t* p = a->buffers[1]->data();
    O first = LoadValue<O>(p, a->offset), last = LoadValue<O>(p, a->offset + a->length);
    for (int64_t i = 1; i <= a->length; ++i) {
      int64_t v = static_cast<int64_t>(LoadValue<O>(p, a->offset + i)) - first + base;
      if (v > static_cast<int64_t>(std::numeric_limits<O>::max()))
        return Status::Invalid("concatenation overflows " + std::to_string(sizeof(O) * 8) + "-bit offsets");
      out.AppendValue<O>(static_cast<O>(v));
    }
    base = static_cast<O>(base + (last - first));
    ranges->emplace_back(first, last);
  }
  return out.Finish();
}

std::vector<ArrayPtr> ChildSlices(const std::vector<ArrayPtr>& arrays, size_t child,
                                  const std::vector<std::pair<int64_t, int64_t>>& ranges) {
  std::vector<ArrayPtr> out;
  for (size_t k = 0; k < arrays.size(); ++k)
    out.push_back(arrays[k]->children[child]->Slice(ranges[k].first, ranges[k].second - ranges[k].first));
  return out;
}

Result<ArrayPtr> ConcatImpl(const std::vector<ArrayPtr>& arrays);

Result<std::vector<ArrayPtr>> ConcatChildren(const std::vector<ArrayPtr>& arrays, bool slice_by_parent) {
  std::vector<ArrayPtr> children;
  for (size_t c = 0; c < arrays[0]->children.size(); ++c) {
    std::vector<ArrayPtr> parts;
    for (const auto& a : arrays)
      parts.push_back(slice_by_parent ? a->children[c]->Slice(a->offset, a->length) : a->children[c]);
    HANGAR_ASSIGN_OR_RETURN(auto child, ConcatImpl(parts));
    children.push_back(std::move(child));
  }
  return children;
}

template <typename O>
Result<ArrayPtr> ConcatBinary(const std::vector<ArrayPtr>& arrays, int64_t total, BufferPtr validity, int64_t nulls) {
  std::vector<std::pair<int64_t, int64_t>> ranges;
  HANGAR_ASSIGN_OR_RETURN(auto offsets, ConcatOffsets<O>(arrays, &ranges));
  MutableBuffer data;
  for (size_t k = 0; k < arrays.size(); ++k) {
    if (ranges[k].second > ranges[k].first)
      data.Append(arrays[k]->buffers[2]->data() + ranges[k].first, ranges[k].second - ranges[k].first);
  }
  return MakeArray(arrays[0]->type, total, {std::move(validity), std::move(offsets), data.Finish()}, {}, nulls);
}

template <typename O>
Result<ArrayPtr> ConcatList(const std::vector<ArrayPtr>& arrays, int64_t total, BufferPtr validity, int64_t nulls) {
  std::vector<std::pair<int64_t, int64_t>> ranges;
  HANGAR_ASSIGN_OR_RETURN(auto offsets, ConcatOffsets<O>(arrays, &ranges));
  HANGAR_ASSIGN_OR_RETURN(auto child, ConcatImpl(ChildSlices(arrays, 0, ranges)));
  return MakeArray(arrays[0]->type, total, {std::move(validity), std::move(offsets)}, {std::move(child)}, nulls);
}

template <typename O>
Result<ArrayPtr> ConcatListView(const std::vector<ArrayPtr>& arrays, int64_t total, BufferPtr validity, int64_t nulls) {
  MutableBuffer offsets, sizes;
  std::vector<ArrayPtr> children;
  int64_t base = 0;
  for (const auto& a : arrays) {
    for (int64_t i = 0; i < a->length; ++i) {
      offsets.AppendValue<O>(static_cast<O>(LoadValue<O>(a->buffers[1]->data(), a->offset + i) + base));
      sizes.AppendValue<O>(LoadValue<O>(a->buffers[2]->data(), a->offset + i));
    }
    base += a->children[0]->length;
    children.push_back(a->children[0]);
  }
  HANGAR_ASSIGN_OR_RETURN(auto child, ConcatImpl(children));
  return MakeArray(arrays[0]->type, total, {std::move(validity), offsets.Finish(), sizes.Finish()}, {std::move(child)},
                   nulls);
}

Result<ArrayPtr> ConcatViews(const std::vector<ArrayPtr>& arrays, int64_t total, BufferPtr validity, int64_t nulls) {
  MutableBuffer views;
  std::vector<BufferPtr> buffers{std::move(validity), nullptr};
  for (const auto& a : arrays) {
    const int32_t base = static_cast<int32_t>(buffers.size() - 2);
    for (int64_t i = 0; i < a->length; ++i) {
      uint8_t view[16];
      std::memcpy(view, a->buffers[1]->data() + 16 * (a->offset + i), 16);
      int32_t len;
      std::memcpy(&len, view, 4);
      if (len > 12) {
        int32_t index;
        std::memcpy(&index, view + 8, 4);
        index += base;
        std::memcpy(view + 8, &index, 4);
      }
      views.Append(view, 16);
    }
    for (size_t b = 2; b < a->buffers.size(); ++b) buffers.push_back(a->buffers[b]);
  }
  buffers[1] = views.Finish();
  return MakeArray(arrays[0]->type, total, std::move(buffers), {}, nulls);
}

Result<ArrayPtr> ConcatUnion(const std::vector<ArrayPtr>& arrays, int64_t total) {
  const DataType& t = *arrays[0]->type;
  auto type_ids = ConcatFixed(arrays, 0, 1);
  if (t.id() == TypeId::kSparseUnion) {
    HANGAR_ASSIGN_OR_RETURN(auto children, ConcatChildren(arrays, true));
    return MakeArray(arrays[0]->type, total, {std::move(type_ids)}, std::move(children), 0);
  }
  // Dense: children are appended whole; offsets shift by each child's running length.
  std::vector<int64_t> base(t.children().size(), 0);
  MutableBuffer offsets;
  for (const auto& a : arrays) {
    for (int64_t i = 0; i < a->length; ++i) {
      int child;
      int64_t row;
      UnionSlot(*a, i, &child, &row);
      offsets.AppendValue<int32_t>(static_cast<int32_t>(row + base[child]));
    }
    for (size_t c = 0; c < base.size(); ++c) base[c] += a->children[c]->length;
  }
  HANGAR_ASSIGN_OR_RETURN(auto children, ConcatChildren(arrays, false));
  return MakeArray(arrays[0]->type, total, {std::move(type_ids), offsets.Finish()}, std::move(children), 0);
}

Result<ArrayPtr> ConcatDictionary(const std::vector<ArrayPtr>& arrays, int64_t total, BufferPtr validity,
                                  int64_t nulls) {
  const DataType& t = *arrays[0]->type;
  const int64_t width = t.index_type()->bit_width() / 8;
  bool same = true;
  for (const auto& a : arrays) {
    same = same && (a->dictionary == arrays[0]->dictionary || ArrayEquals(*a->dictionary, *arrays[0]->dictionary));
  }
  if (same) return MakeArray(arrays[0]->type, total, {std::move(validity), ConcatFixed(arrays, 1, width)}, {}, nulls,
                             0, arrays[0]->dictionary);
  // Different dictionaries: append them and shift each input's indices.
  std::vector<ArrayPtr> dictionaries;
  MutableBuffer indices;
  int64_t base = 0;
  for (const auto& a : arrays) {
    for (int64_t i = 0; i < a->length; ++i) {
      int64_t v = a->IsValid(i) ? DictionaryIndex(*a, i) + base : 0;
      if (width < 8 && v >= (int64_t{1} << (width * 8 - (t.index_type()->is_signed_integer() ? 1 : 0))))
        return Status::Invalid("concatenated dictionary does not fit index type " + t.index_type()->ToString());
      indices.Append(&v, width);  // little-endian: the low bytes
    }
    base += a->dictionary->length;
    dictionaries.push_back(a->dictionary);
  }
  HANGAR_ASSIGN_OR_RETURN(auto dictionary, ConcatImpl(dictionaries));
  return MakeArray(arrays[0]->type, total, {std::move(validity), indices.Finish()}, {}, nulls, 0, std::move(dictionary));
}

Result<ArrayPtr> ConcatRunEnds(const std::vector<ArrayPtr>& arrays, int64_t total) {
  const TypePtr& run_end_type = arrays[0]->type->child(0)->type();
  const int64_t width = run_end_type->bit_width() / 8;
  MutableBuffer run_ends;
  std::vector<ArrayPtr> values;
  int64_t base = 0, runs = 0;
  for (const auto& a : arrays) {
    if (a->length == 0) continue;
    const Array& re = *a->children[0];
    int64_t first = RunEndValueIndex(*a, 0), last = RunEndValueIndex(*a, a->length - 1);
    for (int64_t k = first; k <= last; ++k) {
      int64_t end = std::min(LoadInteger(re, re.offset + k) - a->offset, a->length) + base;
      run_ends.Append(&end, width);
    }
    runs += last - first + 1;
    values.push_back(a->children[1]->Slice(first, last - first + 1));
    base += a->length;
  }
  ArrayPtr value_array;
  if (values.empty()) {
    value_array = MakeNullArray(arrays[0]->type->child(1)->type(), 0);
  } else {
    HANGAR_ASSIGN_OR_RETURN(value_array, ConcatImpl(values));
  }
  auto ends = MakeArray(run_end_type, runs, {nullptr, run_ends.Finish()}, {}, 0);
  return MakeArray(arrays[0]->type, total, {}, {std::move(ends), std::move(value_array)}, 0);
}

Result<ArrayPtr> ConcatImpl(const std::vector<ArrayPtr>& arrays) {
  const TypePtr& type = arrays[0]->type;
  int64_t total = 0;
  for (const auto& a : arrays) total += a->length;
  const DataType& t = *type;
  switch (t.id()) {
    case TypeId::kNull: return MakeArray(type, total, {}, {}, total);
    case TypeId::kSparseUnion: case TypeId::kDenseUnion: return ConcatUnion(arrays, total);
    case TypeId::kRunEndEncoded: return ConcatRunEnds(arrays, total);
    default: break;
  }
  int64_t nulls = 0;
  BufferPtr validity = ConcatValidity(arrays, total, &nulls);
  switch (t.id()) {
    case TypeId::kBool: return MakeArray(type, total, {validity, ConcatBits(arrays, total)}, {}, nulls);
    case TypeId::kUtf8: case TypeId::kBinary: return ConcatBinary<int32_t>(arrays, total, validity, nulls);
    case TypeId::kLargeUtf8: case TypeId::kLargeBinary: return ConcatBinary<int64_t>(arrays, total, validity, nulls);
    case TypeId::kUtf8View: case TypeId::kBinaryView: return ConcatViews(arrays, total, validity, nulls);
    case TypeId::kList: case TypeId::kMap: return ConcatList<int32_t>(arrays, total, validity, nulls);
    case TypeId::kLargeList: return ConcatList<int64_t>(arrays, total, validity, nulls);
    case TypeId::kListView: return ConcatListView<int32_t>(arrays, total, validity, nulls);
    case TypeId::kLargeListView: return ConcatListView<int64_t>(arrays, total, validity, nulls);
    case TypeId::kFixedSizeList: {
      const int64_t n = t.list_size();
      std::vector<ArrayPtr> parts;
      for (const auto& a : arrays) parts.push_back(a->children[0]->Slice(a->offset * n, a->length * n));
      HANGAR_ASSIGN_OR_RETURN(auto child, ConcatImpl(parts));
      return MakeArray(type, total, {validity}, {std::move(child)}, nulls);
    }
    case TypeId::kStruct: {
      HANGAR_ASSIGN_OR_RETURN(auto children, ConcatChildren(arrays, true));
      return MakeArray(type, total, {validity}, std::move(children), nulls);
    }
    case TypeId::kDictionary: return ConcatDictionary(arrays, total, validity, nulls);
    default: return MakeArray(type, total, {validity, ConcatFixed(arrays, 1, t.bit_width() / 8)}, {}, nulls);
  }
}

}  // namespace

Result<ArrayPtr> Concatenate(const std::vector<ArrayPtr>& arrays) {
  if (arrays.empty()) return Status::Invalid("cannot concatenate zero arrays: the type is unknown");
  for (const auto& a : arrays) {
    if (!a->type->Equals(*arrays[0]->type, false))
      return Status::Invalid("cannot concatenate arrays of different types: " + arrays[0]->type->ToString() + " and " +
                             a->type->ToString());
  }
  return ConcatImpl(arrays);
}

}  // namespace hangar::arrow
