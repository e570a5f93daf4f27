// Text encodings of single values used by the integration JSON format:
// hex for binary, decimal strings for (arbitrarily wide) integers, and the
// conversions half floats need. Kept apart from the JSON tree code so each
// codec can be tested on its own.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace hangar::arrow::json {

// Uppercase hex, two characters per byte.
std::string HexEncode(std::string_view bytes);
std::string HexEncode(const uint8_t* data, int64_t size);
// Decodes hex (either case) into `out`, which must have room for hex.size()/2
// bytes. Fails on odd length or a non-hex character.
Status HexDecode(std::string_view hex, uint8_t* out);

// Two's complement little-endian integers of `width` bytes (4, 8, 16 or 32),
// the storage of decimal32/64/128/256, to and from their decimal text
// ("-12345"). Parsing fails when the text is not an integer or the value does
// not fit in `width` bytes.
Status DecimalFromString(std::string_view text, int width, uint8_t* out);
std::string DecimalToString(const uint8_t* bytes, int width);

// Parses a base-10 integer with optional sign; fails on anything else
// (empty, trailing characters, out of range).
Result<int64_t> ParseInt64(std::string_view text);
Result<uint64_t> ParseUInt64(std::string_view text);

// IEEE 754 binary16 <-> binary32. Float-to-half rounds to nearest, ties to
// even; NaN stays NaN and overflow becomes infinity.
float HalfToFloat(uint16_t half);
uint16_t FloatToHalf(float value);

// The double whose shortest decimal form is the shortest decimal form of the
// float `value`, so that printing it as a double gives "0.1" rather than
// "0.10000000149011612", and parsing that text back and narrowing to float
// gives `value` again.
double FloatForPrinting(float value);

// True when `bytes` is well-formed UTF-8 (no overlongs, surrogates or code
// points above U+10FFFF).
bool IsValidUtf8(std::string_view bytes);

}  // namespace hangar::arrow::json
