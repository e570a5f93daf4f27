// RunEndEncodedBuilder: run-end encoding while appending. Part of the builder
// family (builder.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "arrow/builder_base.h"

namespace hangar::arrow {

// run_end_encoded<run_ends=R, values=V>. Appending a value equal to the
// previous one extends the current run instead of storing the value again.
//
// Values of flat types are appended as bytes (as DictionaryBuilder takes
// them: the bytes of a string, the little-endian bytes of a number, one byte
// 0/1 for bool); equality is equality of those bytes. For any value type,
// including nested ones, the caller can instead append one value to
// value_builder() and call AppendRun() (always a new run), or ExtendRun().
// AppendNull() extends a run of nulls.
class RunEndEncodedBuilder : public ArrayBuilder {
 public:
  RunEndEncodedBuilder(TypePtr type, std::unique_ptr<ArrayBuilder> values);

  // `n` (>= 1) logical copies of `value`.
  Status Append(std::string_view value, int64_t n = 1);
  template <typename T>
  Status AppendValue(T value, int64_t n = 1) {
    static_assert(std::is_trivially_copyable_v<T>);
    return Append(std::string_view(reinterpret_cast<const char*>(&value), sizeof(T)), n);
  }
  void AppendNull() override { AppendNulls(1); }
  void AppendNulls(int64_t n) override;

  // A new run of `n` values whose value the caller has just appended to value_builder().
  Status AppendRun(int64_t n = 1);
  // Extends the last run by `n` values.
  Status ExtendRun(int64_t n = 1);

  ArrayBuilder* value_builder() const { return children_[0].get(); }
  int64_t num_runs() const { return runs_; }
  Result<ArrayPtr> Finish() override;

 private:
  // What the last run holds, to decide whether the next value extends it.
  enum class Last { kNone, kNull, kBytes, kOpaque };
  Status AddRun(int64_t n);
  Status Extend(int64_t n);

  int64_t run_end_limit_;  // largest run end the run-end type holds
  int64_t run_end_width_;
  MutableBuffer run_ends_;
  int64_t runs_ = 0;
  Last last_ = Last::kNone;
  std::string last_bytes_;
};

}  // namespace hangar::arrow
