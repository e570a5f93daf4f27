// DictionaryBuilder: dictionary encoding while appending. Part of the
// builder family (builder.h).
#pragma once

#include <cstdint>
#include <string_view>
#include <type_traits>

#include "arrow/builder_base.h"
#include "arrow/memo_table.h"

namespace hangar::arrow {

// dictionary<indices=I, values=V>. Append(value) looks the value up in a memo
// table and appends its index, adding it to the dictionary when new; Finish()
// returns the indices with the dictionary of the distinct values in order of
// first appearance, and starts an empty dictionary.
//
// Memoized value types: utf8, binary (all four offset widths and both views),
// fixed_size_binary and every fixed-width type of whole bytes (integers,
// floats by their bits, decimals, dates, times, timestamps, durations,
// intervals), given as their bytes: little-endian for numbers (AppendValue
// does this for a C++ value). Other value types (bool, nested) can only
// append nulls; their dictionaries are built directly as arrays.
class DictionaryBuilder : public ArrayBuilder {
 public:
  explicit DictionaryBuilder(TypePtr type);

  // Invalid when the value has the wrong width for the value type, or when a
  // new value would not fit the index type (nothing is appended then).
  Status Append(std::string_view value);
  template <typename T>
  Status AppendValue(T value) {
    static_assert(std::is_trivially_copyable_v<T>);
    return Append(std::string_view(reinterpret_cast<const char*>(&value), sizeof(T)));
  }
  // Appends an index into the dictionary so far (0 <= index < dictionary_length()).
  Status AppendIndex(int64_t index);
  // Adds `values` (of the value type, no nulls, none already present) to the
  // dictionary, in order: e.g. an Avro enum's symbols, after which the
  // symbol number is the index to pass to AppendIndex(). On an error, the
  // values before the offending one stay in the dictionary.
  Status InsertMemoValues(const Array& values);

  void AppendNull() override;
  void AppendNulls(int64_t n) override;
  void Reserve(int64_t n) override { indices_.Reserve(indices_.size() + n * index_width_); }
  int64_t dictionary_length() const { return memo_.size(); }
  Result<ArrayPtr> Finish() override;

 private:
  Status CheckValue(std::string_view value) const;
  void PushIndex(int64_t index) {
    indices_.Append(&index, index_width_);  // little-endian: the low bytes
    AppendValid();
  }
  Result<ArrayPtr> FinishDictionary();

  bool memoizable_ = false;
  int64_t value_width_ = 0;  // bytes of a fixed-width value; 0 for variable-width values
  int64_t index_width_;
  int64_t index_limit_;  // first index the index type cannot hold
  BytesMemoTable memo_;
  MutableBuffer indices_;
};

}  // namespace hangar::arrow
