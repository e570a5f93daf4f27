// Builders of flat fixed-width layouts: null, bool, the primitives (integers,
// floats, dates, times, timestamps, durations, intervals), fixed_size_binary
// and decimals. Part of the builder family (builder.h).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "arrow/builder_base.h"
#include "arrow/float16.h"

namespace hangar::arrow {

// Builders write multi-byte values in host order; the Arrow format (and IPC
// as Hangar speaks it) is little-endian.
static_assert(std::endian::native == std::endian::little, "Hangar's Arrow core assumes a little-endian host");

class NullBuilder : public ArrayBuilder {
 public:
  NullBuilder() : ArrayBuilder(arrow::null()) {}
  explicit NullBuilder(TypePtr type) : ArrayBuilder(std::move(type)) {}
  void AppendNull() override {
    ++length_;
    ++null_count_;
  }
  void AppendNulls(int64_t n) override;
  Result<ArrayPtr> Finish() override;
};

class BooleanBuilder : public ArrayBuilder {
 public:
  BooleanBuilder() : ArrayBuilder(boolean()) {}
  explicit BooleanBuilder(TypePtr type) : ArrayBuilder(std::move(type)) {}
  void Append(bool value) {
    if ((length_ & 7) == 0) values_.AppendValue<uint8_t>(0);
    if (value) values_.data()[length_ >> 3] |= static_cast<uint8_t>(1u << (length_ & 7));
    AppendValid();
  }
  void AppendValues(std::span<const bool> values);
  void AppendNull() override {
    if ((length_ & 7) == 0) values_.AppendValue<uint8_t>(0);
    AppendInvalid();
  }
  void AppendNulls(int64_t n) override;
  void Reserve(int64_t n) override { values_.Reserve(bit::BytesFor(length_ + n)); }
  Result<ArrayPtr> Finish() override;

 private:
  MutableBuffer values_;  // bits; always BytesFor(length_) bytes
};

// Values of exactly byte_width() bytes in one buffer: the shared engine of
// PrimitiveBuilder, FixedSizeBinaryBuilder and DecimalBuilder (non-template,
// so that the bulk and finishing code is compiled once).
class FixedWidthBuilder : public ArrayBuilder {
 public:
  FixedWidthBuilder(TypePtr type, int64_t byte_width) : ArrayBuilder(std::move(type)), width_(byte_width) {}

  int32_t byte_width() const { return static_cast<int32_t>(width_); }
  // Appends the byte_width() bytes at `value`.
  void UnsafeAppend(const void* value) {
    values_.Append(value, width_);
    AppendValid();
  }
  void AppendNull() override {
    values_.Resize(values_.size() + width_);  // zero-filled
    AppendInvalid();
  }
  void AppendNulls(int64_t n) override;
  void Reserve(int64_t n) override { values_.Reserve(values_.size() + n * width_); }
  Result<ArrayPtr> Finish() override;

 protected:
  // `n` values of byte_width() bytes at `values`, all valid.
  void AppendRaw(const void* values, int64_t n) {
    values_.Append(values, n * width_);
    AppendValidRange(n);
  }

  int64_t width_;
  MutableBuffer values_;
};

// Any type whose values are `sizeof(T)` bytes: integers, float32/64, float16
// (its uint16 bits; see HalfFloatBuilder), dates, times, timestamps,
// durations (int32/int64) and intervals (int32, DayTimeInterval,
// MonthDayNanoInterval). Finish() refuses a T whose size does not match the type.
template <typename T>
class PrimitiveBuilder : public FixedWidthBuilder {
 public:
  explicit PrimitiveBuilder(TypePtr type) : FixedWidthBuilder(std::move(type), sizeof(T)) {}
  void Append(T value) {
    values_.AppendValue(value);
    AppendValid();
  }
  void AppendValues(std::span<const T> values) { AppendRaw(values.data(), static_cast<int64_t>(values.size())); }
};

// interval[day_time] and interval[month_day_nano] values, laid out as the format stores them.
struct DayTimeInterval {
  int32_t days;
  int32_t milliseconds;
};
struct MonthDayNanoInterval {
  int32_t months;
  int32_t days;
  int64_t nanoseconds;
};
static_assert(sizeof(DayTimeInterval) == 8 && sizeof(MonthDayNanoInterval) == 16);

// float16: Append() takes the IEEE half bits; AppendFloat() converts.
class HalfFloatBuilder : public PrimitiveBuilder<uint16_t> {
 public:
  HalfFloatBuilder() : PrimitiveBuilder<uint16_t>(float16()) {}
  explicit HalfFloatBuilder(TypePtr type) : PrimitiveBuilder<uint16_t>(std::move(type)) {}
  void AppendFloat(float value) { Append(FloatToHalf(value)); }
};

// fixed_size_binary (and, through DecimalBuilder, decimals): values of
// exactly byte_width bytes.
class FixedSizeBinaryBuilder : public FixedWidthBuilder {
 public:
  explicit FixedSizeBinaryBuilder(TypePtr type);
  // `value` must have byte_width() bytes (Invalid otherwise, nothing appended).
  Status Append(std::string_view value) {
    if (static_cast<int64_t>(value.size()) != width_) [[unlikely]]
      return WrongWidth(value.size());
    UnsafeAppend(value.data());
    return Status::OK();
  }

 private:
  Status WrongWidth(size_t got) const;
};

// decimal32/64/128/256. Values are the unscaled integer (123.45 in
// decimal(5, 2) is 12345) as little-endian two's complement of the type's
// width, given in any of the shapes sources have them in.
class DecimalBuilder : public FixedSizeBinaryBuilder {
 public:
  explicit DecimalBuilder(TypePtr type) : FixedSizeBinaryBuilder(std::move(type)) {}

  // An int64, sign-extended (decimal32: a value outside int32 is reported by Finish()).
  void Append(int64_t unscaled) {
    if (width_ == 4 && (unscaled < INT32_MIN || unscaled > INT32_MAX)) [[unlikely]] {
      DoesNotFit(unscaled);
      AppendNull();
      return;
    }
    uint8_t bytes[32];
    std::memcpy(bytes, &unscaled, 8);
    if (width_ > 8) std::memset(bytes + 8, unscaled < 0 ? 0xff : 0, 24);
    UnsafeAppend(bytes);
  }
  // Exactly byte_width() little-endian bytes.
  using FixedSizeBinaryBuilder::Append;
  // Little-endian 64-bit words, least significant first (decimal128 = {low,
  // high}); fewer words are sign-extended, more must be the sign extension.
  Status AppendWords(std::span<const uint64_t> words);
  // Big-endian two's complement of any length, as Avro and Parquet store
  // decimals; sign-extended or narrowed when the value fits (Invalid if not).
  Status AppendBigEndian(std::string_view bytes);

 private:
  void DoesNotFit(int64_t unscaled);
};

}  // namespace hangar::arrow
