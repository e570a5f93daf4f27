// Arrays and record batches.
//
// An Array is the physical layout of the Arrow columnar format, held as plain
// data (the shape of Arrow C++'s ArrayData and of the C Data Interface's
// ArrowArray): a type, a length, an offset into its buffers, the buffers in
// the format's order, child arrays and, for dictionary-encoded arrays, the
// dictionary. Typed access is through small inline helpers instead of a class
// per type.
//
// Buffers per type (exactly the IPC / C Data Interface order; a validity
// bitmap may be null when there are no nulls):
//   null                       (none)
//   bool, primitives, decimals [validity, values]
//   utf8/binary (+large)       [validity, offsets, data]
//   utf8_view/binary_view      [validity, views, data_0, data_1, ...]
//   list/large_list/map        [validity, offsets]            child: values / entries
//   list_view/large_list_view  [validity, offsets, sizes]     child: values
//   fixed_size_list, struct    [validity]                     children
//   sparse_union               [type_ids]                     children
//   dense_union                [type_ids, offsets]            children
//   dictionary                 [validity, indices]            + dictionary (values array)
//   run_end_encoded            (none)                         children: run_ends, values
//
// `offset` applies to this array's own buffers. As in Arrow C++, children of
// struct, fixed_size_list, sparse union and run-end encoded arrays are not
// re-sliced when the parent is sliced: logical row i of the parent reads
// child row (offset + i) (times list_size for fixed_size_list).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "arrow/buffer.h"
#include "arrow/type.h"

namespace hangar::arrow {

struct Array;
using ArrayPtr = std::shared_ptr<const Array>;

struct Array {
  TypePtr type;
  int64_t length = 0;
  int64_t offset = 0;
  // -1 means "not computed yet"; null_count() computes it.
  int64_t null_count_hint = -1;
  std::vector<BufferPtr> buffers;
  std::vector<ArrayPtr> children;
  ArrayPtr dictionary;  // dictionary arrays only: the values

  // Number of nulls (validity bitmap based; 0 for types without one, except the
  // null type whose every slot is null).
  int64_t null_count() const;

  bool IsValid(int64_t i) const {
    if (type->id() == TypeId::kNull) return false;
    if (!type->has_validity_bitmap()) return true;  // unions / REE: see children
    const auto& v = buffers[0];
    return v == nullptr || bit::Get(v->data(), offset + i);
  }
  bool IsNull(int64_t i) const { return !IsValid(i); }

  // Pointer to buffer `b` as T, *not* adjusted by offset.
  template <typename T>
  const T* raw(int b) const {
    return buffers[b] ? reinterpret_cast<const T*>(buffers[b]->data()) : nullptr;
  }
  // Values of a fixed-width array (buffer 1), adjusted by offset.
  template <typename T>
  const T* values() const {
    return raw<T>(1) + offset;
  }

  // i-th value of a utf8/binary (32-bit offsets) or large variant (64-bit).
  std::string_view GetBinary(int64_t i) const;

  // Zero-copy slice sharing all buffers.
  ArrayPtr Slice(int64_t offset, int64_t length) const;
};

// Makes a fresh array from parts.
ArrayPtr MakeArray(TypePtr type, int64_t length, std::vector<BufferPtr> buffers, std::vector<ArrayPtr> children = {},
                   int64_t null_count = -1, int64_t offset = 0, ArrayPtr dictionary = nullptr);

// An array of `length` nulls of any type (all-zero buffers).
ArrayPtr MakeNullArray(TypePtr type, int64_t length);

struct RecordBatch {
  SchemaPtr schema;
  int64_t num_rows = 0;
  std::vector<ArrayPtr> columns;

  const ArrayPtr& column(int i) const { return columns[i]; }
  int num_columns() const { return static_cast<int>(columns.size()); }
  std::shared_ptr<RecordBatch> Slice(int64_t offset, int64_t length) const;
};
using RecordBatchPtr = std::shared_ptr<const RecordBatch>;

RecordBatchPtr MakeRecordBatch(SchemaPtr schema, int64_t num_rows, std::vector<ArrayPtr> columns);

// Bytes of every buffer an array (children and dictionary included) or a
// batch references, whole buffers even where a slice uses less: the memory
// they keep alive, and what sizes and progress reports count.
int64_t TotalBufferSize(const Array& array);
int64_t TotalBufferSize(const RecordBatch& batch);

// What a decoded batch costs in memory, for the limits that bound it (a
// call's memory, the memtables): TotalBufferSize, plus a fixed overhead per
// batch, array and buffer — the objects and their shared_ptr control
// blocks, which is what a batch of a few rows mostly costs — plus a byte
// per element of the arrays no buffer of their own backs (null, struct,
// fixed-size list, run-end encoded: whoever reads them expands them).
// Without the overheads, a hundred thousand one-row batches would count as
// a few megabytes while holding gigabytes.
inline constexpr int64_t kBatchOverheadBytes = 1024;
inline constexpr int64_t kArrayOverheadBytes = 256;
inline constexpr int64_t kBufferOverheadBytes = 128;
int64_t DecodedSize(const RecordBatch& batch);

}  // namespace hangar::arrow
