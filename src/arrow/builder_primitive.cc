#include "arrow/builder_primitive.h"

#include <string>

namespace hangar::arrow {

// --- NullBuilder --------------------------------------------------------------

void NullBuilder::AppendNulls(int64_t n) {
  if (n <= 0) return;
  length_ += n;
  null_count_ += n;
}

Result<ArrayPtr> NullBuilder::Finish() {
  auto end = FinishBase();
  HANGAR_RETURN_NOT_OK(end.status);
  if (type_->id() != TypeId::kNull) return Status::Invalid("a null builder cannot build " + type_->ToString());
  return MakeArray(type_, end.length, {}, {}, end.length);
}

// --- BooleanBuilder -------------------------------------------------------------

void BooleanBuilder::AppendValues(std::span<const bool> values) {
  values_.Reserve(bit::BytesFor(length_ + static_cast<int64_t>(values.size())));
  for (bool v : values) Append(v);
}

void BooleanBuilder::AppendNulls(int64_t n) {
  if (n <= 0) return;
  values_.Resize(bit::BytesFor(length_ + n));  // new bytes are zero
  AppendInvalidRange(n);
}

Result<ArrayPtr> BooleanBuilder::Finish() {
  auto end = FinishBase();
  BufferPtr values = values_.Finish();
  HANGAR_RETURN_NOT_OK(end.status);
  if (type_->id() != TypeId::kBool) return Status::Invalid("a boolean builder cannot build " + type_->ToString());
  return MakeArray(type_, end.length, {std::move(end.validity), std::move(values)}, {}, end.null_count);
}

// --- FixedWidthBuilder ------------------------------------------------------------

void FixedWidthBuilder::AppendNulls(int64_t n) {
  if (n <= 0) return;
  values_.Resize(values_.size() + n * width_);  // zero-filled
  AppendInvalidRange(n);
}

Result<ArrayPtr> FixedWidthBuilder::Finish() {
  auto end = FinishBase();
  BufferPtr values = values_.Finish();
  HANGAR_RETURN_NOT_OK(end.status);
  // A PrimitiveBuilder<T> constructed by hand for a type of another width
  // would otherwise produce a malformed array.
  if (type_->bit_width() != 8 * width_ || type_->id() == TypeId::kDictionary)
    return Status::Invalid("a builder of " + std::to_string(width_) + "-byte values cannot build " + type_->ToString());
  return MakeArray(type_, end.length, {std::move(end.validity), std::move(values)}, {}, end.null_count);
}

// --- FixedSizeBinaryBuilder, DecimalBuilder -----------------------------------------

FixedSizeBinaryBuilder::FixedSizeBinaryBuilder(TypePtr type) : FixedWidthBuilder(type, type->bit_width() / 8) {}

Status FixedSizeBinaryBuilder::WrongWidth(size_t got) const {
  return Status::Invalid(type_->ToString() + " value must have " + std::to_string(width_) + " bytes, got " +
                         std::to_string(got));
}

void DecimalBuilder::DoesNotFit(int64_t unscaled) {
  SetDeferredError(
      Status::Invalid("unscaled value " + std::to_string(unscaled) + " does not fit " + type_->ToString()));
}

namespace {

// Writes the two's complement integer whose little-endian byte i is
// byte_at(i), i < n, into `out` as `width` bytes: sign-extended when n is
// smaller, narrowed when the dropped bytes are only sign extension. False if
// the value does not fit.
template <typename ByteAt>
bool FitTwosComplement(ByteAt byte_at, size_t n, uint8_t* out, size_t width) {
  if (n <= width) {
    const uint8_t fill = (n > 0 && (byte_at(n - 1) & 0x80)) ? 0xff : 0;
    for (size_t i = 0; i < n; ++i) out[i] = byte_at(i);
    for (size_t i = n; i < width; ++i) out[i] = fill;
    return true;
  }
  for (size_t i = 0; i < width; ++i) out[i] = byte_at(i);
  const uint8_t fill = (out[width - 1] & 0x80) ? 0xff : 0;
  for (size_t i = width; i < n; ++i) {
    if (byte_at(i) != fill) return false;
  }
  return true;
}

}  // namespace

Status DecimalBuilder::AppendWords(std::span<const uint64_t> words) {
  uint8_t out[32];
  const auto byte_at = [&](size_t i) { return static_cast<uint8_t>(words[i / 8] >> (8 * (i % 8))); };
  if (!FitTwosComplement(byte_at, words.size() * 8, out, static_cast<size_t>(width_)))
    return Status::Invalid("decimal value of " + std::to_string(words.size()) + " words does not fit " +
                           type_->ToString());
  UnsafeAppend(out);
  return Status::OK();
}

Status DecimalBuilder::AppendBigEndian(std::string_view bytes) {
  uint8_t out[32];
  const size_t n = bytes.size();
  const auto byte_at = [&](size_t i) { return static_cast<uint8_t>(bytes[n - 1 - i]); };
  if (!FitTwosComplement(byte_at, n, out, static_cast<size_t>(width_)))
    return Status::Invalid("big-endian decimal value of " + std::to_string(n) + " bytes does not fit " +
                           type_->ToString());
  UnsafeAppend(out);
  return Status::OK();
}

}  // namespace hangar::arrow
