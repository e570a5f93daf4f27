#include "arrow/concatenate.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include "arrow/array_access.h"
#include "arrow/compare.h"

namespace hangar::arrow {

namespace {

using Arrays = std::vector<ArrayPtr>;
using Ranges = std::vector<std::pair<int64_t, int64_t>>;  // [begin, end) per input

Result<ArrayPtr> ConcatImpl(const Arrays& arrays);

Status TooLarge(const DataType& type, const char* what) {
  return Status::Invalid("concatenated " + type.ToString() + " has more " + what + " than its offsets address");
}

// Validity of all inputs in one bitmap, or nullptr when nothing is null.
BufferPtr ConcatValidity(const Arrays& arrays, int64_t total, int64_t* null_count) {
  *null_count = 0;
  for (const auto& a : arrays) *null_count += a->null_count();
  if (*null_count == 0) return nullptr;
  uint8_t* out = nullptr;
  auto buf = AllocateBuffer(bit::BytesFor(total), &out);
  int64_t pos = 0;
  for (const auto& a : arrays) {
    if (a->buffers[0] != nullptr) {
      bit::Copy(a->buffers[0]->data(), a->offset, a->length, out, pos);
    } else {
      for (int64_t i = 0; i < a->length; ++i) bit::Set(out, pos + i);
    }
    pos += a->length;
  }
  return buf;
}

// Buffer `b` of fixed-width values, `width` bytes each.
BufferPtr ConcatFixed(const Arrays& arrays, int b, int64_t width) {
  MutableBuffer out;
  int64_t total = 0;
  for (const auto& a : arrays) total += a->length;
  out.Reserve(total * width);
  for (const auto& a : arrays) {
    if (a->length > 0 && width > 0)
      out.Append(a->buffers[static_cast<size_t>(b)]->data() + a->offset * width, a->length * width);
  }
  return out.Finish();
}

BufferPtr ConcatBits(const Arrays& arrays, int64_t total) {
  uint8_t* out = nullptr;
  auto buf = AllocateBuffer(bit::BytesFor(total), &out);
  int64_t pos = 0;
  for (const auto& a : arrays) {
    if (a->length > 0) bit::Copy(a->buffers[1]->data(), a->offset, a->length, out, pos);
    pos += a->length;
  }
  return buf;
}

// Offsets of all inputs rebased onto one another (length + 1 entries);
// `ranges` receives the [first, last) offsets each input spans in its own data/child.
template <typename O>
Result<BufferPtr> ConcatOffsets(const Arrays& arrays, Ranges* ranges) {
  MutableBuffer out;
  int64_t total = 0;
  for (const auto& a : arrays) total += a->length;
  out.Reserve((total + 1) * static_cast<int64_t>(sizeof(O)));
  out.AppendValue<O>(0);
  int64_t base = 0;
  for (const auto& a : arrays) {
    if (a->length == 0) {
      ranges->emplace_back(0, 0);
      continue;
    }
    const uint8_t* p = a->buffers[1]->data();
    const int64_t first = LoadValue<O>(p, a->offset);
    const int64_t last = LoadValue<O>(p, a->offset + a->length);
    if (last - first > static_cast<int64_t>(std::numeric_limits<O>::max()) - base) return TooLarge(*a->type, "values");
    for (int64_t i = 1; i <= a->length; ++i)
      out.AppendValue(static_cast<O>(LoadValue<O>(p, a->offset + i) - first + base));
    base += last - first;
    ranges->emplace_back(first, last);
  }
  return out.Finish();
}

Arrays ChildSlices(const Arrays& arrays, size_t child, const Ranges& ranges) {
  Arrays out;
  for (size_t k = 0; k < arrays.size(); ++k)
    out.push_back(arrays[k]->children[child]->Slice(ranges[k].first, ranges[k].second - ranges[k].first));
  return out;
}

// Children of struct / sparse union inputs: each child sliced like its parent.
Result<Arrays> ConcatChildrenSlicedByParent(const Arrays& arrays) {
  Arrays children;
  for (size_t c = 0; c < arrays[0]->children.size(); ++c) {
    Arrays parts;
    for (const auto& a : arrays) parts.push_back(a->children[c]->Slice(a->offset, a->length));
    HANGAR_ASSIGN_OR_RETURN(auto child, ConcatImpl(parts));
    children.push_back(std::move(child));
  }
  return children;
}

template <typename O>
Result<ArrayPtr> ConcatBinary(const Arrays& arrays, int64_t total, BufferPtr validity, int64_t nulls) {
  Ranges ranges;
  HANGAR_ASSIGN_OR_RETURN(auto offsets, ConcatOffsets<O>(arrays, &ranges));
  MutableBuffer data;
  for (size_t k = 0; k < arrays.size(); ++k) {
    if (ranges[k].second > ranges[k].first)
      data.Append(arrays[k]->buffers[2]->data() + ranges[k].first, ranges[k].second - ranges[k].first);
  }
  return MakeArray(arrays[0]->type, total, {std::move(validity), std::move(offsets), data.Finish()}, {}, nulls);
}

template <typename O>
Result<ArrayPtr> ConcatList(const Arrays& arrays, int64_t total, BufferPtr validity, int64_t nulls) {
  Ranges ranges;
  HANGAR_ASSIGN_OR_RETURN(auto offsets, ConcatOffsets<O>(arrays, &ranges));
  HANGAR_ASSIGN_OR_RETURN(auto child, ConcatImpl(ChildSlices(arrays, 0, ranges)));
  return MakeArray(arrays[0]->type, total, {std::move(validity), std::move(offsets)}, {std::move(child)}, nulls);
}

// List views may point anywhere in their child: each input's child is cut to
// the span its valid, non-empty views reference, and the views rebased.
template <typename O>
Result<ArrayPtr> ConcatListView(const Arrays& arrays, int64_t total, BufferPtr validity, int64_t nulls) {
  MutableBuffer offsets, sizes;
  offsets.Reserve(total * static_cast<int64_t>(sizeof(O)));
  sizes.Reserve(total * static_cast<int64_t>(sizeof(O)));
  Arrays parts;
  int64_t base = 0;
  for (const auto& a : arrays) {
    int64_t lo = std::numeric_limits<int64_t>::max(), hi = 0;
    for (int64_t i = 0; i < a->length; ++i) {
      int64_t b, e;
      ListRange(*a, i, &b, &e);
      if (a->IsValid(i) && e > b) {
        lo = std::min(lo, b);
        hi = std::max(hi, e);
      }
    }
    if (lo > hi) lo = hi = 0;  // nothing referenced
    if (hi - lo > static_cast<int64_t>(std::numeric_limits<O>::max()) - base) return TooLarge(*a->type, "values");
    for (int64_t i = 0; i < a->length; ++i) {
      int64_t b, e;
      ListRange(*a, i, &b, &e);
      const bool used = a->IsValid(i) && e > b;
      offsets.AppendValue(static_cast<O>(used ? b - lo + base : 0));
      sizes.AppendValue(static_cast<O>(used ? e - b : 0));
    }
    parts.push_back(a->children[0]->Slice(lo, hi - lo));
    base += hi - lo;
  }
  HANGAR_ASSIGN_OR_RETURN(auto child, ConcatImpl(parts));
  return MakeArray(arrays[0]->type, total, {std::move(validity), offsets.Finish(), sizes.Finish()}, {std::move(child)},
                   nulls);
}

// Views are copied with their buffer indices shifted; the data buffers are
// shared, not copied.
Result<ArrayPtr> ConcatViews(const Arrays& arrays, int64_t total, BufferPtr validity, int64_t nulls) {
  MutableBuffer views;
  views.Reserve(16 * total);
  std::vector<BufferPtr> buffers{std::move(validity), nullptr};
  for (const auto& a : arrays) {
    const int64_t base = static_cast<int64_t>(buffers.size()) - 2;
    if (base + static_cast<int64_t>(a->buffers.size()) > std::numeric_limits<int32_t>::max())
      return TooLarge(*a->type, "data buffers");
    for (int64_t i = 0; i < a->length; ++i) {
      uint8_t view[16] = {};
      if (a->IsValid(i)) {
        std::memcpy(view, a->buffers[1]->data() + 16 * (a->offset + i), 16);
        int32_t len;
        std::memcpy(&len, view, 4);
        if (len > 12) {
          int32_t index;
          std::memcpy(&index, view + 8, 4);
          index = static_cast<int32_t>(index + base);
          std::memcpy(view + 8, &index, 4);
        }
      }
      views.Append(view, 16);
    }
    for (size_t b = 2; b < a->buffers.size(); ++b) buffers.push_back(a->buffers[b]);
  }
  buffers[1] = views.Finish();
  return MakeArray(arrays[0]->type, total, std::move(buffers), {}, nulls);
}

Result<ArrayPtr> ConcatSparseUnion(const Arrays& arrays, int64_t total) {
  auto type_ids = ConcatFixed(arrays, 0, 1);
  HANGAR_ASSIGN_OR_RETURN(auto children, ConcatChildrenSlicedByParent(arrays));
  return MakeArray(arrays[0]->type, total, {std::move(type_ids)}, std::move(children), 0);
}

// Dense unions: each input's children are cut to the rows its slots use, and
// the offsets rebased onto the concatenated children.
Result<ArrayPtr> ConcatDenseUnion(const Arrays& arrays, int64_t total) {
  const DataType& t = *arrays[0]->type;
  const size_t num_children = t.children().size();
  auto type_ids = ConcatFixed(arrays, 0, 1);
  MutableBuffer offsets;
  offsets.Reserve(4 * total);
  std::vector<Arrays> parts(num_children);
  std::vector<int64_t> base(num_children, 0);
  for (const auto& a : arrays) {
    std::vector<int64_t> lo(num_children, std::numeric_limits<int64_t>::max()), hi(num_children, -1);
    for (int64_t i = 0; i < a->length; ++i) {
      int c;
      int64_t row;
      UnionSlot(*a, i, &c, &row);
      lo[static_cast<size_t>(c)] = std::min(lo[static_cast<size_t>(c)], row);
      hi[static_cast<size_t>(c)] = std::max(hi[static_cast<size_t>(c)], row);
    }
    for (int64_t i = 0; i < a->length; ++i) {
      int c;
      int64_t row;
      UnionSlot(*a, i, &c, &row);
      const auto uc = static_cast<size_t>(c);
      const int64_t rebased = row - lo[uc] + base[uc];
      if (rebased > std::numeric_limits<int32_t>::max()) return TooLarge(t, "child values");
      offsets.AppendValue(static_cast<int32_t>(rebased));
    }
    for (size_t c = 0; c < num_children; ++c) {
      const int64_t n = hi[c] >= lo[c] ? hi[c] - lo[c] + 1 : 0;
      parts[c].push_back(a->children[c]->Slice(n > 0 ? lo[c] : 0, n));
      base[c] += n;
    }
  }
  Arrays children;
  for (auto& p : parts) {
    HANGAR_ASSIGN_OR_RETURN(auto child, ConcatImpl(p));
    children.push_back(std::move(child));
  }
  return MakeArray(arrays[0]->type, total, {std::move(type_ids), offsets.Finish()}, std::move(children), 0);
}

// Inputs sharing one dictionary (the common case: batches of one stream, IPC
// deltas) keep it and concatenate their indices. Otherwise the dictionaries
// are concatenated and each input's indices shifted past the ones before it.
Result<ArrayPtr> ConcatDictionary(const Arrays& arrays, int64_t total, BufferPtr validity, int64_t nulls) {
  const DataType& t = *arrays[0]->type;
  const int64_t width = t.index_type()->bit_width() / 8;
  // Each distinct dictionary goes in once: slices of one array share theirs,
  // and an empty one (a null row made up elsewhere) adds nothing.
  const Array* first = nullptr;
  bool same = true;
  for (const auto& a : arrays) {
    if (a->dictionary->length == 0) continue;
    if (first == nullptr) first = a->dictionary.get();
    same = same && (a->dictionary.get() == first || ArrayEquals(*a->dictionary, *first));
  }
  if (same) {
    ArrayPtr dictionary = arrays[0]->dictionary;
    for (const auto& a : arrays) {
      if (a->dictionary.get() == first) {
        dictionary = a->dictionary;
        break;
      }
    }
    return MakeArray(arrays[0]->type, total, {std::move(validity), ConcatFixed(arrays, 1, width)}, {}, nulls, 0,
                     std::move(dictionary));
  }
  const int value_bits = 8 * static_cast<int>(width) - (t.index_type()->is_signed_integer() ? 1 : 0);
  const int64_t limit = value_bits >= 63 ? std::numeric_limits<int64_t>::max() : (int64_t{1} << value_bits);
  Arrays dictionaries;
  std::map<const Array*, int64_t> base_of;  // where each dictionary starts in the result's
  MutableBuffer indices;
  indices.Reserve(total * width);
  int64_t next = 0;
  for (const auto& a : arrays) {
    auto [it, added] = base_of.try_emplace(a->dictionary.get(), next);
    if (added) {
      if (a->dictionary->length > limit - next)
        return Status::Invalid("concatenated dictionary of " + t.ToString() + " does not fit its index type " +
                               t.index_type()->ToString());
      next += a->dictionary->length;
      dictionaries.push_back(a->dictionary);
    }
    const int64_t base = it->second;
    for (int64_t i = 0; i < a->length; ++i) {
      const int64_t v = a->IsValid(i) ? DictionaryIndex(*a, i) + base : 0;
      indices.Append(&v, width);  // little-endian: the low bytes
    }
  }
  HANGAR_ASSIGN_OR_RETURN(auto dictionary, ConcatImpl(dictionaries));
  return MakeArray(arrays[0]->type, total, {std::move(validity), indices.Finish()}, {}, nulls, 0,
                   std::move(dictionary));
}

// Each input contributes the runs its slice touches, with run ends clipped to
// the slice and shifted past the inputs before it.
Result<ArrayPtr> ConcatRunEnds(const Arrays& arrays, int64_t total) {
  const DataType& t = *arrays[0]->type;
  const TypePtr& run_end_type = t.child(0)->type();
  const int64_t width = run_end_type->bit_width() / 8;
  const int64_t limit = width == 2   ? std::numeric_limits<int16_t>::max()
                        : width == 4 ? std::numeric_limits<int32_t>::max()
                                     : std::numeric_limits<int64_t>::max();
  if (total > limit)
    return Status::Invalid("concatenated " + t.ToString() + " has " + std::to_string(total) +
                           " values, more than its run ends hold");
  MutableBuffer run_ends;
  Arrays values;
  int64_t base = 0, runs = 0;
  for (const auto& a : arrays) {
    if (a->length == 0) continue;
    const Array& ends = *a->children[0];
    const int64_t first = RunEndValueIndex(*a, 0), last = RunEndValueIndex(*a, a->length - 1);
    for (int64_t r = first; r <= last; ++r) {
      const int64_t end = std::min(LoadInteger(ends, ends.offset + r) - a->offset, a->length) + base;
      run_ends.Append(&end, width);  // little-endian: the low bytes
    }
    runs += last - first + 1;
    values.push_back(a->children[1]->Slice(first, last - first + 1));
    base += a->length;
  }
  ArrayPtr value_array;
  if (values.empty()) {
    value_array = MakeNullArray(t.child(1)->type(), 0);
  } else {
    HANGAR_ASSIGN_OR_RETURN(value_array, ConcatImpl(values));
  }
  auto ends = MakeArray(run_end_type, runs, {nullptr, run_ends.Finish()}, {}, 0);
  return MakeArray(arrays[0]->type, total, {}, {std::move(ends), std::move(value_array)}, 0);
}

Result<ArrayPtr> ConcatImpl(const Arrays& arrays) {
  const TypePtr& type = arrays[0]->type;
  int64_t total = 0;
  for (const auto& a : arrays) total += a->length;
  const DataType& t = *type;
  switch (t.id()) {
    case TypeId::kNull: return MakeArray(type, total, {}, {}, total);
    case TypeId::kSparseUnion: return ConcatSparseUnion(arrays, total);
    case TypeId::kDenseUnion: return ConcatDenseUnion(arrays, total);
    case TypeId::kRunEndEncoded: return ConcatRunEnds(arrays, total);
    default: break;
  }
  int64_t nulls = 0;
  BufferPtr validity = ConcatValidity(arrays, total, &nulls);
  switch (t.id()) {
    case TypeId::kBool: return MakeArray(type, total, {std::move(validity), ConcatBits(arrays, total)}, {}, nulls);
    case TypeId::kUtf8:
    case TypeId::kBinary: return ConcatBinary<int32_t>(arrays, total, validity, nulls);
    case TypeId::kLargeUtf8:
    case TypeId::kLargeBinary: return ConcatBinary<int64_t>(arrays, total, validity, nulls);
    case TypeId::kUtf8View:
    case TypeId::kBinaryView: return ConcatViews(arrays, total, validity, nulls);
    case TypeId::kList:
    case TypeId::kMap: return ConcatList<int32_t>(arrays, total, validity, nulls);
    case TypeId::kLargeList: return ConcatList<int64_t>(arrays, total, validity, nulls);
    case TypeId::kListView: return ConcatListView<int32_t>(arrays, total, validity, nulls);
    case TypeId::kLargeListView: return ConcatListView<int64_t>(arrays, total, validity, nulls);
    case TypeId::kFixedSizeList: {
      const int64_t n = t.list_size();
      Arrays parts;
      for (const auto& a : arrays) parts.push_back(a->children[0]->Slice(a->offset * n, a->length * n));
      HANGAR_ASSIGN_OR_RETURN(auto child, ConcatImpl(parts));
      return MakeArray(type, total, {std::move(validity)}, {std::move(child)}, nulls);
    }
    case TypeId::kStruct: {
      HANGAR_ASSIGN_OR_RETURN(auto children, ConcatChildrenSlicedByParent(arrays));
      return MakeArray(type, total, {std::move(validity)}, std::move(children), nulls);
    }
    case TypeId::kDictionary: return ConcatDictionary(arrays, total, validity, nulls);
    default:
      // Fixed-width values: primitives, decimals, temporals, intervals, fixed_size_binary.
      return MakeArray(type, total, {std::move(validity), ConcatFixed(arrays, 1, t.bit_width() / 8)}, {}, nulls);
  }
}

}  // namespace

Result<ArrayPtr> Concatenate(const std::vector<ArrayPtr>& arrays) {
  if (arrays.empty()) return Status::Invalid("cannot concatenate zero arrays: the type is unknown");
  for (size_t k = 0; k < arrays.size(); ++k) {
    if (arrays[k] == nullptr) return Status::Invalid("cannot concatenate: array " + std::to_string(k) + " is missing");
  }
  for (const auto& a : arrays) {
    if (!a->type->Equals(*arrays[0]->type, false))
      return Status::Invalid("cannot concatenate arrays of different types: " + arrays[0]->type->ToString() + " and " +
                             a->type->ToString());
  }
  return ConcatImpl(arrays);
}

Result<RecordBatchPtr> CoalescingSource::Next() {
  if (!uncoalesced_.empty()) {
    RecordBatchPtr next = std::move(uncoalesced_.front());
    uncoalesced_.pop_front();
    return next;
  }
  // A batch is small when it is far below both targets: then copying it is
  // cheap, and what it saves downstream is not.
  auto small = [&](const RecordBatch& batch, int64_t bytes) {
    return batch.num_rows < target_rows_ / 4 && bytes < target_bytes_ / 4;
  };
  std::vector<RecordBatchPtr> parts;
  int64_t rows = 0, bytes = 0;
  while (rows < target_rows_ && bytes < target_bytes_) {
    RecordBatchPtr batch = std::move(held_);
    if (batch == nullptr && !done_) {
      HANGAR_ASSIGN_OR_RETURN(batch, inner_->Next());
      if (batch == nullptr) done_ = true;
    }
    if (batch == nullptr) break;
    const int64_t size = DecodedSize(*batch);
    if (!small(*batch, size)) {
      if (parts.empty()) return batch;
      held_ = std::move(batch);  // after the group gathered so far
      break;
    }
    rows += batch->num_rows;
    bytes += size;
    parts.push_back(std::move(batch));
  }
  if (parts.empty()) return RecordBatchPtr();
  if (parts.size() == 1) return parts.front();
  std::vector<ArrayPtr> columns;
  const SchemaPtr& schema = parts.front()->schema;
  for (int c = 0; c < schema->num_fields(); ++c) {
    std::vector<ArrayPtr> pieces;
    pieces.reserve(parts.size());
    for (const auto& part : parts) pieces.push_back(part->column(c));
    auto column = Concatenate(pieces);
    if (!column.ok()) {
      // Batches whose dictionaries together overflow their index type (128
      // values of dictionary<int8, ...>) stay apart: they go as they came.
      uncoalesced_.assign(std::make_move_iterator(parts.begin() + 1), std::make_move_iterator(parts.end()));
      return parts.front();
    }
    columns.push_back(std::move(*column));
  }
  return MakeRecordBatch(schema, rows, std::move(columns));
}

}  // namespace hangar::arrow
