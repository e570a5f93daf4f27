#include "arrow/utf8.h"

#include <cstdint>
#include <cstring>

#include "arrow/array_access.h"

namespace hangar::arrow {

bool IsValidUtf8(std::string_view bytes) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const uint8_t* const end = p + bytes.size();
  while (p < end) {
    // ASCII, a word at a time: the common case.
    while (end - p >= 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      if (word & 0x8080808080808080ULL) break;
      p += 8;
    }
    if (p == end) break;
    const uint8_t c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n;                         // continuation bytes
    uint8_t lo = 0x80, hi = 0xBF;  // range of the first continuation byte
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0)
        lo = 0xA0;  // overlong
      else if (c == 0xED)
        hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0)
        lo = 0x90;  // overlong
      else if (c == 0xF4)
        hi = 0x8F;  // above U+10FFFF
    } else {
      return false;  // a continuation byte first, C0/C1 (overlong), or F5..FF
    }
    if (end - p <= n) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (int k = 2; k <= n; ++k) {
      if (p[k] < 0x80 || p[k] > 0xBF) return false;
    }
    p += n + 1;
  }
  return true;
}

namespace {

Status Invalid(const Array& a, int64_t row) {
  return Status::Invalid("a " + a.type->ToString() + " value is not valid UTF-8 (row " + std::to_string(row) +
                         " of its column): Arrow strings must be UTF-8; send bytes as binary");
}

bool IsContinuation(uint8_t c) { return (c & 0xC0) == 0x80; }

// utf8 / large_utf8: the whole span of the values at once, plus every
// value's first byte, which must not be in the middle of a character; then
// each value is whole. Null slots' bytes count too where they are inside
// the span (writers leave them empty); a value that only a null slot covers
// and that is not UTF-8 is looked at value by value.
template <typename Offset>
Status CheckOffsets(const Array& a) {
  const Offset* offsets = a.raw<Offset>(1) + a.offset;
  const auto* data = a.buffers[2] ? a.raw<uint8_t>(2) : nullptr;
  const int64_t begin = static_cast<int64_t>(offsets[0]), end = static_cast<int64_t>(offsets[a.length]);
  bool whole = IsValidUtf8({reinterpret_cast<const char*>(data) + begin, static_cast<size_t>(end - begin)});
  for (int64_t i = 0; whole && i < a.length; ++i) {
    const int64_t at = static_cast<int64_t>(offsets[i]);
    if (at < end && IsContinuation(data[at])) whole = false;
  }
  if (whole) return Status::OK();
  for (int64_t i = 0; i < a.length; ++i) {
    if (a.IsNull(i)) continue;
    if (!IsValidUtf8(a.GetBinary(i))) return Invalid(a, i);
  }
  return Status::OK();
}

}  // namespace

Status ValidateUtf8(const Array& a, bool check_dictionary_values) {
  switch (a.type->id()) {
    case TypeId::kUtf8: return a.length == 0 ? Status::OK() : CheckOffsets<int32_t>(a);
    case TypeId::kLargeUtf8: return a.length == 0 ? Status::OK() : CheckOffsets<int64_t>(a);
    case TypeId::kUtf8View:
      for (int64_t i = 0; i < a.length; ++i) {
        if (!a.IsNull(i) && !IsValidUtf8(BinaryValue(a, i))) return Invalid(a, i);
      }
      return Status::OK();
    case TypeId::kDictionary:
      return check_dictionary_values && a.dictionary ? ValidateUtf8(*a.dictionary, true) : Status::OK();
    default: break;
  }
  for (const auto& child : a.children) HANGAR_RETURN_NOT_OK(ValidateUtf8(*child, check_dictionary_values));
  return Status::OK();
}

}  // namespace hangar::arrow
