#include "avro/decoder.h"

#include <cstring>

#include "arrow/builder.h"
#include "arrow/utf8.h"
#include "avro/arrow_types.h"
#include "avro/varint.h"
#include "base/json_text.h"

#include <nlohmann/json.hpp>

// HANGAR_RETURN_NOT_OK copies the Status it checks (a std::string copy),
// once per value decoded; this check moves it instead.
#define DECODE_RETURN_NOT_OK(expr)           \
  do {                                       \
    ::hangar::Status _decode_st = (expr);    \
    if (!_decode_st.ok()) return _decode_st; \
  } while (false)

namespace hangar::avro {

using arrow::ArrayBuilder;

// One node of the compiled plan: what to read and which builder gets it.
struct Decoder::Step {
  enum class Op {
    kNull,
    kBoolean,
    kInt32,
    kInt64,
    kFloat,
    kDouble,
    kBytes,
    kString,
    kFixed,
    kEnum,
    kRecord,
    kArray,
    kMap,
    kNullable,
    kUnion,
    kDecimalBytes,
    kDecimalFixed,
    kUuidFixed,
    kDuration,
    // Schema resolution (writer -> reader):
    kIntToLong,
    kIntToFloat,
    kIntToDouble,
    kLongToFloat,
    kLongToDouble,
    kFloatToDouble,
    kSkip,          // a writer field the reader does not have: read and dropped
    kDefault,       // a reader field the writer does not have: its default
    kWriterUnion,   // the writer wrote a union: children[branch] reads that branch
    kReaderBranch,  // the reader has a union, the writer wrote one of its branches
    kError,         // a writer branch the reader cannot take: an error if it occurs
  };
  Op op = Op::kNull;
  ArrayBuilder* builder = nullptr;
  std::vector<Step> children;        // record fields, array item, map value, union branches, nullable's value
  int64_t size = 0;                  // fixed size
  int64_t null_branch = -1;          // kNullable: the index of the null branch (-1: none)
  int64_t value_branch = 0;          // kNullable: the index of the other branch
  int64_t symbols = 0;               // kEnum
  std::vector<int32_t> enum_map;     // kEnum: writer symbol -> reader symbol (-1: none)
  const AvroNode* writer = nullptr;  // kSkip: what to skip; kDefault: the reader's type
  nlohmann::json default_value;      // kDefault
  int8_t branch = 0;                 // kReaderBranch
  std::string error;                 // kError
  bool flat = false;                 // a root kRecord that RunFlat decodes
};

namespace {

using Op = Decoder::Step::Op;

Status Truncated() { return Status::Invalid("Avro data is truncated"); }

// The most items of no bytes (nulls, empty records) one array or map block may hold.
constexpr int64_t kMaxEmptyItems = int64_t{1} << 20;

class Reader {
 public:
  Reader(const uint8_t** pos, const uint8_t* end) : pos_(pos), end_(end) {}

  Status Long(int64_t* out) {
    switch (ReadLong(pos_, end_, out)) {
      case VarintResult::kOk: return Status::OK();
      case VarintResult::kTruncated: return Truncated();
      case VarintResult::kTooLong: break;
    }
    return Status::Invalid("Avro varint is longer than 10 bytes");
  }
  Status Int(int32_t* out) {
    int64_t v = 0;
    DECODE_RETURN_NOT_OK(Long(&v));
    if (v < INT32_MIN || v > INT32_MAX) return Status::Invalid("Avro int out of range: " + std::to_string(v));
    *out = static_cast<int32_t>(v);
    return Status::OK();
  }
  Status Bytes(int64_t n, std::string_view* out) {
    if (n < 0 || end_ - *pos_ < n) return n < 0 ? Status::Invalid("negative Avro length") : Truncated();
    *out = std::string_view(reinterpret_cast<const char*>(*pos_), static_cast<size_t>(n));
    *pos_ += n;
    return Status::OK();
  }
  Status LengthPrefixed(std::string_view* out) {
    int64_t n = 0;
    DECODE_RETURN_NOT_OK(Long(&n));
    return Bytes(n, out);
  }
  template <typename T>
  Status Fixed(T* out) {
    std::string_view b;
    DECODE_RETURN_NOT_OK(Bytes(sizeof(T), &b));
    std::memcpy(out, b.data(), sizeof(T));
    return Status::OK();
  }
  // Array and map blocks: calls item() for each item of every block.
  template <typename Item>
  Status Blocks(Item item) {
    while (true) {
      int64_t count = 0;
      DECODE_RETURN_NOT_OK(Long(&count));
      if (count == 0) return Status::OK();
      if (count < 0) {  // a negative count is followed by the block's size in bytes
        if (count == INT64_MIN) return Status::Invalid("Avro block count out of range");
        int64_t bytes = 0;
        DECODE_RETURN_NOT_OK(Long(&bytes));
        count = -count;
      }
      // Items of at least one byte cannot outnumber the bytes left; items of
      // no bytes (null, empty records) are bounded so that a few bytes of
      // input cannot ask for billions of rows.
      if (count > end_ - *pos_ && count > kMaxEmptyItems)
        return Status::Invalid("Avro block claims " + std::to_string(count) + " items, more than its data can hold");
      for (int64_t i = 0; i < count; ++i) DECODE_RETURN_NOT_OK(item());
    }
  }

 private:
  const uint8_t** pos_;
  const uint8_t* end_;
};

template <typename T>
void Put(ArrayBuilder* b, T v) {
  static_cast<arrow::PrimitiveBuilder<T>*>(b)->Append(v);
}

// A big-endian two's complement integer of any length as `width` little-endian bytes.
Status DecimalBytes(std::string_view be, int width, uint8_t* out) {
  if (static_cast<int>(be.size()) > width) return Status::Invalid("Avro decimal wider than its Arrow type");
  const bool negative = !be.empty() && (static_cast<uint8_t>(be[0]) & 0x80);
  std::memset(out, negative ? 0xff : 0, static_cast<size_t>(width));
  for (size_t i = 0; i < be.size(); ++i) out[i] = static_cast<uint8_t>(be[be.size() - 1 - i]);
  return Status::OK();
}

std::string UuidText(std::string_view b) {
  static const char* const kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[static_cast<uint8_t>(b[i]) >> 4];
    out += kHex[static_cast<uint8_t>(b[i]) & 15];
  }
  return out;
}

// Reads past a value of `w` (a writer field the reader drops).
Status Skip(const AvroNode& w, Reader& r) {
  std::string_view ignored;
  int64_t n = 0;
  switch (w.type) {
    case AvroType::kNull: return Status::OK();
    case AvroType::kBoolean: return r.Bytes(1, &ignored);
    case AvroType::kInt:
    case AvroType::kLong:
    case AvroType::kEnum: return r.Long(&n);
    case AvroType::kFloat: return r.Bytes(4, &ignored);
    case AvroType::kDouble: return r.Bytes(8, &ignored);
    case AvroType::kBytes:
    case AvroType::kString: return r.LengthPrefixed(&ignored);
    case AvroType::kFixed: return r.Bytes(w.size, &ignored);
    case AvroType::kRecord:
      for (const auto& f : w.fields) DECODE_RETURN_NOT_OK(Skip(*f.type, r));
      return Status::OK();
    case AvroType::kArray: return r.Blocks([&] { return Skip(*w.items, r); });
    case AvroType::kMap:
      return r.Blocks([&]() -> Status {
        DECODE_RETURN_NOT_OK(r.LengthPrefixed(&ignored));
        return Skip(*w.values, r);
      });
    case AvroType::kUnion:
      DECODE_RETURN_NOT_OK(r.Long(&n));
      if (n < 0 || n >= static_cast<int64_t>(w.branches.size()))
        return Status::Invalid("Avro union branch " + std::to_string(n) + " does not exist");
      return Skip(*w.branches[static_cast<size_t>(n)], r);
  }
  return Status::Internal("unknown Avro type");
}

// Appends a field default (JSON, as the specification encodes defaults) of
// the reader's type `t` to `b`.
Status AppendJson(const AvroNode& t, const nlohmann::json& v, ArrayBuilder* b) {
  auto bad = [&] {
    return Status::Invalid("default value " + JsonText(v) + " does not fit Avro type " +
                           std::string(AvroTypeName(t.type)));
  };
  switch (t.type) {
    case AvroType::kNull:
      if (!v.is_null()) return bad();
      b->AppendNull();
      return Status::OK();
    case AvroType::kBoolean:
      if (!v.is_boolean()) return bad();
      static_cast<arrow::BooleanBuilder*>(b)->Append(v.get<bool>());
      return Status::OK();
    case AvroType::kInt:
      if (!v.is_number_integer()) return bad();
      Put<int32_t>(b, v.get<int32_t>());
      return Status::OK();
    case AvroType::kLong:
      if (!v.is_number_integer()) return bad();
      Put<int64_t>(b, v.get<int64_t>());
      return Status::OK();
    case AvroType::kFloat:
      if (!v.is_number()) return bad();
      Put<float>(b, v.get<float>());
      return Status::OK();
    case AvroType::kDouble:
      if (!v.is_number()) return bad();
      Put<double>(b, v.get<double>());
      return Status::OK();
    case AvroType::kString:
    case AvroType::kBytes:
    case AvroType::kFixed: {
      if (!v.is_string() || !t.logical_type.empty())
        return v.is_string() ? Status::Unimplemented("defaults of logical types are not supported yet") : bad();
      std::string text = v.get<std::string>();
      if (t.type != AvroType::kString) {  // bytes and fixed defaults: one code point 0-255 per byte
        std::string raw;
        for (size_t i = 0; i < text.size(); ++i) {
          const auto c = static_cast<unsigned char>(text[i]);
          if (c < 0x80)
            raw += static_cast<char>(c);
          else if ((c & 0xe0) == 0xc0 && i + 1 < text.size())
            raw += static_cast<char>(((c & 0x1f) << 6) | (text[++i] & 0x3f));
          else
            return bad();
        }
        text = raw;
      }
      if (t.type == AvroType::kFixed) return static_cast<arrow::FixedSizeBinaryBuilder*>(b)->Append(text);
      static_cast<arrow::BinaryBuilder*>(b)->Append(text);
      return Status::OK();
    }
    case AvroType::kEnum:
      for (size_t i = 0; i < t.symbols.size(); ++i) {
        if (v.is_string() && t.symbols[i] == v.get<std::string>())
          return static_cast<arrow::DictionaryBuilder*>(b)->AppendIndex(static_cast<int64_t>(i));
      }
      return bad();
    case AvroType::kArray: {
      if (!v.is_array()) return bad();
      auto* lb = static_cast<arrow::ListBuilder*>(b);
      lb->Append();
      for (const auto& item : v) DECODE_RETURN_NOT_OK(AppendJson(*t.items, item, lb->value_builder()));
      return Status::OK();
    }
    case AvroType::kMap: {
      if (!v.is_object()) return bad();
      auto* mb = static_cast<arrow::MapBuilder*>(b);
      mb->Append();
      for (const auto& [key, value] : v.items()) {
        mb->entries_builder()->Append();
        static_cast<arrow::BinaryBuilder*>(mb->key_builder())->Append(key);
        DECODE_RETURN_NOT_OK(AppendJson(*t.values, value, mb->item_builder()));
      }
      return Status::OK();
    }
    case AvroType::kRecord: {
      if (!v.is_object()) return bad();
      auto* sb = static_cast<arrow::StructBuilder*>(b);
      sb->Append();
      for (size_t i = 0; i < t.fields.size(); ++i) {
        const auto& f = t.fields[i];
        const nlohmann::json* fv = v.contains(f.name) ? &v[f.name] : nullptr;
        nlohmann::json fallback;
        if (fv == nullptr) {
          if (!f.default_json) return Status::Invalid("default value " + JsonText(v) + " lacks field '" + f.name + "'");
          fallback = nlohmann::json::parse(*f.default_json);
          fv = &fallback;
        }
        DECODE_RETURN_NOT_OK(AppendJson(*f.type, *fv, sb->field_builder(static_cast<int>(i))));
      }
      return Status::OK();
    }
    case AvroType::kUnion: {
      // A union's default is of its first branch.
      const AvroNode& first = *t.branches[0];
      std::vector<size_t> others;
      for (size_t i = 0; i < t.branches.size(); ++i) {
        if (t.branches[i]->type != AvroType::kNull) others.push_back(i);
      }
      if (others.size() <= 1) {
        if (first.type == AvroType::kNull) {
          if (!v.is_null()) return bad();
          b->AppendNull();
          return Status::OK();
        }
        return AppendJson(first, v, b);
      }
      auto* ub = static_cast<arrow::UnionBuilder*>(b);
      DECODE_RETURN_NOT_OK(ub->Append(0));
      return AppendJson(first, v, ub->child_builder(0));
    }
  }
  return bad();
}

Status Run(const Decoder::Step& s, Reader& r) {
  switch (s.op) {
    case Op::kNull: s.builder->AppendNull(); return Status::OK();
    case Op::kBoolean: {
      std::string_view b;
      DECODE_RETURN_NOT_OK(r.Bytes(1, &b));
      static_cast<arrow::BooleanBuilder*>(s.builder)->Append(b[0] != 0);
      return Status::OK();
    }
    case Op::kInt32: {
      int32_t v = 0;
      DECODE_RETURN_NOT_OK(r.Int(&v));
      Put<int32_t>(s.builder, v);
      return Status::OK();
    }
    case Op::kInt64: {
      int64_t v = 0;
      DECODE_RETURN_NOT_OK(r.Long(&v));
      Put<int64_t>(s.builder, v);
      return Status::OK();
    }
    case Op::kFloat: {
      float v = 0;
      DECODE_RETURN_NOT_OK(r.Fixed(&v));
      Put<float>(s.builder, v);
      return Status::OK();
    }
    case Op::kDouble: {
      double v = 0;
      DECODE_RETURN_NOT_OK(r.Fixed(&v));
      Put<double>(s.builder, v);
      return Status::OK();
    }
    case Op::kBytes: {
      std::string_view v;
      DECODE_RETURN_NOT_OK(r.LengthPrefixed(&v));
      static_cast<arrow::BinaryBuilder*>(s.builder)->Append(v);
      return Status::OK();
    }
    case Op::kString: {  // Arrow strings must be UTF-8, and Avro's are meant to be
      std::string_view v;
      DECODE_RETURN_NOT_OK(r.LengthPrefixed(&v));
      if (!arrow::IsValidUtf8(v)) return Status::Invalid("an Avro string is not valid UTF-8");
      static_cast<arrow::BinaryBuilder*>(s.builder)->Append(v);
      return Status::OK();
    }
    case Op::kFixed: {
      std::string_view v;
      DECODE_RETURN_NOT_OK(r.Bytes(s.size, &v));
      return static_cast<arrow::FixedSizeBinaryBuilder*>(s.builder)->Append(v);
    }
    case Op::kUuidFixed: {
      std::string_view v;
      DECODE_RETURN_NOT_OK(r.Bytes(16, &v));
      static_cast<arrow::BinaryBuilder*>(s.builder)->Append(UuidText(v));
      return Status::OK();
    }
    case Op::kDecimalBytes:
    case Op::kDecimalFixed: {
      std::string_view v;
      if (s.op == Op::kDecimalBytes)
        DECODE_RETURN_NOT_OK(r.LengthPrefixed(&v));
      else
        DECODE_RETURN_NOT_OK(r.Bytes(s.size, &v));
      uint8_t le[32];
      const int width = s.builder->type()->bit_width() / 8;
      DECODE_RETURN_NOT_OK(DecimalBytes(v, width, le));
      return static_cast<arrow::DecimalBuilder*>(s.builder)->Append(
          std::string_view(reinterpret_cast<const char*>(le), static_cast<size_t>(width)));
    }
    case Op::kDuration: {
      uint32_t parts[3];
      DECODE_RETURN_NOT_OK(r.Fixed(&parts));
      Put<arrow::MonthDayNanoInterval>(s.builder, {static_cast<int32_t>(parts[0]), static_cast<int32_t>(parts[1]),
                                                   static_cast<int64_t>(parts[2]) * 1000000});
      return Status::OK();
    }
    case Op::kEnum: {
      int32_t index = 0;
      DECODE_RETURN_NOT_OK(r.Int(&index));
      if (index < 0 || index >= s.symbols)
        return Status::Invalid("Avro enum index " + std::to_string(index) + " is out of range");
      if (!s.enum_map.empty()) {
        index = s.enum_map[static_cast<size_t>(index)];
        if (index < 0) return Status::Invalid("Avro enum symbol " + s.error + " is unknown to the reader's schema");
      }
      return static_cast<arrow::DictionaryBuilder*>(s.builder)->AppendIndex(index);
    }
    case Op::kRecord:
      static_cast<arrow::StructBuilder*>(s.builder)->Append();
      for (const auto& field : s.children) DECODE_RETURN_NOT_OK(Run(field, r));
      return Status::OK();
    case Op::kArray:
      static_cast<arrow::ListBuilder*>(s.builder)->Append();
      return r.Blocks([&] { return Run(s.children[0], r); });
    case Op::kMap: {
      auto* map = static_cast<arrow::MapBuilder*>(s.builder);
      map->Append();
      return r.Blocks([&]() -> Status {
        map->entries_builder()->Append();
        std::string_view key;
        DECODE_RETURN_NOT_OK(r.LengthPrefixed(&key));
        static_cast<arrow::BinaryBuilder*>(map->key_builder())->Append(key);
        return Run(s.children[0], r);
      });
    }
    case Op::kNullable: {
      int64_t branch = 0;
      DECODE_RETURN_NOT_OK(r.Long(&branch));
      if (branch == s.null_branch) {
        s.builder->AppendNull();
        return Status::OK();
      }
      if (branch != s.value_branch)
        return Status::Invalid("Avro union branch " + std::to_string(branch) + " does not exist");
      return Run(s.children[0], r);
    }
    case Op::kUnion: {
      int64_t branch = 0;
      DECODE_RETURN_NOT_OK(r.Long(&branch));
      if (branch < 0 || branch >= static_cast<int64_t>(s.children.size()))
        return Status::Invalid("Avro union branch " + std::to_string(branch) + " does not exist");
      DECODE_RETURN_NOT_OK(static_cast<arrow::UnionBuilder*>(s.builder)->Append(static_cast<int8_t>(branch)));
      return Run(s.children[static_cast<size_t>(branch)], r);
    }
    case Op::kIntToLong:
    case Op::kIntToFloat:
    case Op::kIntToDouble: {
      int32_t v = 0;
      DECODE_RETURN_NOT_OK(r.Int(&v));
      if (s.op == Op::kIntToLong)
        Put<int64_t>(s.builder, v);
      else if (s.op == Op::kIntToFloat)
        Put<float>(s.builder, static_cast<float>(v));
      else
        Put<double>(s.builder, v);
      return Status::OK();
    }
    case Op::kLongToFloat:
    case Op::kLongToDouble: {
      int64_t v = 0;
      DECODE_RETURN_NOT_OK(r.Long(&v));
      if (s.op == Op::kLongToFloat)
        Put<float>(s.builder, static_cast<float>(v));
      else
        Put<double>(s.builder, static_cast<double>(v));
      return Status::OK();
    }
    case Op::kFloatToDouble: {
      float v = 0;
      DECODE_RETURN_NOT_OK(r.Fixed(&v));
      Put<double>(s.builder, v);
      return Status::OK();
    }
    case Op::kSkip: return Skip(*s.writer, r);
    case Op::kDefault: return AppendJson(*s.writer, s.default_value, s.builder);
    case Op::kWriterUnion: {
      int64_t branch = 0;
      DECODE_RETURN_NOT_OK(r.Long(&branch));
      if (branch < 0 || branch >= static_cast<int64_t>(s.children.size()))
        return Status::Invalid("Avro union branch " + std::to_string(branch) + " does not exist");
      return Run(s.children[static_cast<size_t>(branch)], r);
    }
    case Op::kReaderBranch:
      DECODE_RETURN_NOT_OK(static_cast<arrow::UnionBuilder*>(s.builder)->Append(s.branch));
      return Run(s.children[0], r);
    case Op::kError: return Status::Invalid(s.error);
  }
  return Status::Internal("unknown decoder step");
}

// The values RunFlat decodes: primitives, alone or as ["null", T].
bool FlatValue(const Decoder::Step& s) {
  switch (s.op) {
    case Op::kNull:
    case Op::kBoolean:
    case Op::kInt32:
    case Op::kInt64:
    case Op::kFloat:
    case Op::kDouble:
    case Op::kBytes:
    case Op::kString: return true;
    default: return false;
  }
}

bool IsFlat(const Decoder::Step& s) {
  if (s.op != Op::kRecord) return false;
  for (const auto& f : s.children)
    if (!FlatValue(f) && !(f.op == Op::kNullable && FlatValue(f.children[0]))) return false;
  return true;
}

[[gnu::cold]] Status VarintError(VarintResult v) {
  return v == VarintResult::kTruncated ? Truncated() : Status::Invalid("Avro varint is longer than 10 bytes");
}

// Run for the most common shape of Kafka messages, a record of primitive
// fields (IsFlat): one loop over the fields, no Status per value. Same
// checks, same errors, same partial row on an error as Run.
Status RunFlat(const Decoder::Step& record, const uint8_t** pos, const uint8_t* end) {
  static_cast<arrow::StructBuilder*>(record.builder)->Append();
  const uint8_t* p = *pos;
  for (const auto& field : record.children) {
    const Decoder::Step* s = &field;
    if (s->op == Op::kNullable) {
      int64_t branch = 0;
      if (auto v = ReadLong(&p, end, &branch); v != VarintResult::kOk) [[unlikely]]
        return VarintError(v);
      if (branch == s->null_branch) {
        s->builder->AppendNull();
        continue;
      }
      if (branch != s->value_branch) [[unlikely]]
        return Status::Invalid("Avro union branch " + std::to_string(branch) + " does not exist");
      s = &s->children[0];
    }
    switch (s->op) {
      case Op::kNull: s->builder->AppendNull(); break;
      case Op::kBoolean:
        if (p >= end) [[unlikely]]
          return Truncated();
        static_cast<arrow::BooleanBuilder*>(s->builder)->Append(*p++ != 0);
        break;
      case Op::kInt32:
      case Op::kInt64: {
        int64_t v = 0;
        if (auto r = ReadLong(&p, end, &v); r != VarintResult::kOk) [[unlikely]]
          return VarintError(r);
        if (s->op == Op::kInt64) {
          Put<int64_t>(s->builder, v);
        } else {
          if (v < INT32_MIN || v > INT32_MAX) [[unlikely]]
            return Status::Invalid("Avro int out of range: " + std::to_string(v));
          Put<int32_t>(s->builder, static_cast<int32_t>(v));
        }
        break;
      }
      case Op::kFloat: {
        float v = 0;
        if (end - p < 4) [[unlikely]]
          return Truncated();
        std::memcpy(&v, p, 4);
        p += 4;
        Put<float>(s->builder, v);
        break;
      }
      case Op::kDouble: {
        double v = 0;
        if (end - p < 8) [[unlikely]]
          return Truncated();
        std::memcpy(&v, p, 8);
        p += 8;
        Put<double>(s->builder, v);
        break;
      }
      case Op::kBytes:
      case Op::kString: {
        int64_t n = 0;
        if (auto r = ReadLong(&p, end, &n); r != VarintResult::kOk) [[unlikely]]
          return VarintError(r);
        if (n < 0 || end - p < n) [[unlikely]]
          return n < 0 ? Status::Invalid("negative Avro length") : Truncated();
        const std::string_view v(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
        p += n;
        if (s->op == Op::kString && !arrow::IsValidUtf8(v)) [[unlikely]]
          return Status::Invalid("an Avro string is not valid UTF-8");
        static_cast<arrow::BinaryBuilder*>(s->builder)->Append(v);
        break;
      }
      default: return Status::Internal("not a flat decoder step");
    }
  }
  *pos = p;
  return Status::OK();
}

std::string ShortName(const std::string& full) {
  const auto dot = full.rfind('.');
  return dot == std::string::npos ? full : full.substr(dot + 1);
}

// Whether data of the writer's type `w` can be read as the reader's `r`
// (specification, "Schema Resolution"; named types match by unqualified
// name or the reader's aliases).
bool Matches(const AvroNode& w, const AvroNode& r) {
  if (r.type == AvroType::kUnion) {
    for (const auto* b : r.branches) {
      if (Matches(w, *b)) return true;
    }
    return false;
  }
  if (w.type == AvroType::kUnion) return true;  // decided per branch
  if (w.is_named() || r.is_named()) {
    if (w.type != r.type) return false;
    if (ShortName(w.full_name) == ShortName(r.full_name)) return true;
    for (const auto& a : r.aliases) {
      if (a == w.full_name || ShortName(a) == ShortName(w.full_name)) return true;
    }
    return false;
  }
  if (w.type == r.type) return true;
  switch (w.type) {
    case AvroType::kInt: return r.type == AvroType::kLong || r.type == AvroType::kFloat || r.type == AvroType::kDouble;
    case AvroType::kLong: return r.type == AvroType::kFloat || r.type == AvroType::kDouble;
    case AvroType::kFloat: return r.type == AvroType::kDouble;
    case AvroType::kString: return r.type == AvroType::kBytes;
    case AvroType::kBytes: return r.type == AvroType::kString;
    default: return false;
  }
}

std::string Describe(const AvroNode& n) { return n.is_named() ? n.full_name : std::string(AvroTypeName(n.type)); }

// Binds data written as `w` and read as `r` (whose Arrow form the builder
// `b` was made for) to a step.
Status Resolve(const AvroNode& w, const AvroNode& r, ArrayBuilder* b, Decoder::Step* s) {
  s->builder = b;
  if (w.type == AvroType::kUnion) {
    // Each branch the writer may have written, resolved on its own: a branch
    // the reader cannot take is an error only if it occurs.
    s->op = Op::kWriterUnion;
    s->children.resize(w.branches.size());
    for (size_t i = 0; i < w.branches.size(); ++i) {
      const AvroNode& branch = *w.branches[i];
      if (Matches(branch, r)) {
        DECODE_RETURN_NOT_OK(Resolve(branch, r, b, &s->children[i]));
      } else {
        s->children[i].op = Op::kError;
        s->children[i].error = "Avro data of type " + Describe(branch) + " cannot be read as " + Describe(r);
      }
    }
    return Status::OK();
  }
  if (r.type == AvroType::kUnion) {
    std::vector<size_t> others;
    for (size_t i = 0; i < r.branches.size(); ++i) {
      if (r.branches[i]->type != AvroType::kNull) others.push_back(i);
    }
    if (others.size() <= 1) {  // the reader's column is one type, nullable
      if (w.type == AvroType::kNull) {
        s->op = Op::kNull;
        return Status::OK();
      }
      if (others.empty() || !Matches(w, *r.branches[others[0]]))
        return Status::Invalid("Avro data of type " + Describe(w) + " cannot be read as the reader's union");
      return Resolve(w, *r.branches[others[0]], b, s);
    }
    for (size_t j = 0; j < r.branches.size(); ++j) {
      if (!Matches(w, *r.branches[j])) continue;
      s->op = Op::kReaderBranch;
      s->branch = static_cast<int8_t>(j);
      s->children.resize(1);
      return Resolve(w, *r.branches[j], static_cast<arrow::UnionBuilder*>(b)->child_builder(s->branch),
                     &s->children[0]);
    }
    return Status::Invalid("Avro data of type " + Describe(w) + " matches no branch of the reader's union");
  }
  if (!Matches(w, r)) return Status::Invalid("Avro data of type " + Describe(w) + " cannot be read as " + Describe(r));
  if (w.type != r.type) {  // a promotion
    if (w.type == AvroType::kInt)
      s->op = r.type == AvroType::kLong    ? Op::kIntToLong
              : r.type == AvroType::kFloat ? Op::kIntToFloat
                                           : Op::kIntToDouble;
    else if (w.type == AvroType::kLong)
      s->op = r.type == AvroType::kFloat ? Op::kLongToFloat : Op::kLongToDouble;
    else if (w.type == AvroType::kFloat)
      s->op = Op::kFloatToDouble;
    else if (b->type()->is_decimal())
      s->op = Op::kDecimalBytes;
    // string <-> bytes: the same encoding; text read as a string is checked.
    else
      s->op = b->type()->id() == arrow::TypeId::kUtf8 ? Op::kString : Op::kBytes;
    return Status::OK();
  }
  const std::string& l = r.logical_type;
  switch (r.type) {
    case AvroType::kNull: s->op = Op::kNull; return Status::OK();
    case AvroType::kBoolean: s->op = Op::kBoolean; return Status::OK();
    case AvroType::kInt: s->op = Op::kInt32; return Status::OK();   // also date, time-millis
    case AvroType::kLong: s->op = Op::kInt64; return Status::OK();  // also times and timestamps
    case AvroType::kFloat: s->op = Op::kFloat; return Status::OK();
    case AvroType::kDouble: s->op = Op::kDouble; return Status::OK();
    case AvroType::kBytes: s->op = b->type()->is_decimal() ? Op::kDecimalBytes : Op::kBytes; return Status::OK();
    case AvroType::kString:
      s->op = b->type()->id() == arrow::TypeId::kUtf8 ? Op::kString : Op::kBytes;
      return Status::OK();
    case AvroType::kFixed:
      if (w.size != r.size)
        return Status::Invalid("Avro fixed " + r.full_name + " has " + std::to_string(r.size) +
                               " bytes, the writer's " + std::to_string(w.size));
      s->size = r.size;
      if (b->type()->is_decimal())
        s->op = Op::kDecimalFixed;
      else if (l == "uuid" && b->type()->id() == arrow::TypeId::kUtf8)
        s->op = Op::kUuidFixed;
      else if (b->type()->id() == arrow::TypeId::kIntervalMonthDayNano)
        s->op = Op::kDuration;
      else
        s->op = Op::kFixed;
      return Status::OK();
    case AvroType::kEnum: {
      s->op = Op::kEnum;
      s->symbols = static_cast<int64_t>(w.symbols.size());
      if (w.symbols != r.symbols) {
        int32_t fallback = -1;
        for (size_t k = 0; k < r.symbols.size(); ++k) {
          if (r.enum_default && r.symbols[k] == *r.enum_default) fallback = static_cast<int32_t>(k);
        }
        for (const auto& sym : w.symbols) {
          int32_t found = fallback;
          for (size_t k = 0; k < r.symbols.size(); ++k) {
            if (r.symbols[k] == sym) found = static_cast<int32_t>(k);
          }
          s->enum_map.push_back(found);
        }
        s->error = "of " + w.full_name;
      }
      return Status::OK();
    }
    case AvroType::kRecord: {
      s->op = Op::kRecord;
      auto* sb = static_cast<arrow::StructBuilder*>(b);
      std::vector<bool> filled(r.fields.size(), false);
      for (const auto& wf : w.fields) {
        Decoder::Step step;
        size_t k = 0;
        for (; k < r.fields.size(); ++k) {
          const auto& rf = r.fields[k];
          bool same = rf.name == wf.name;
          for (const auto& a : rf.aliases) same = same || a == wf.name;
          if (same) break;
        }
        if (k == r.fields.size()) {
          step.op = Op::kSkip;
          step.writer = wf.type;
        } else {
          Status st = Resolve(*wf.type, *r.fields[k].type, sb->field_builder(static_cast<int>(k)), &step);
          if (!st.ok()) return st.WithContext("field '" + r.full_name + "." + r.fields[k].name + "'");
          filled[k] = true;
        }
        s->children.push_back(std::move(step));
      }
      for (size_t k = 0; k < r.fields.size(); ++k) {
        if (filled[k]) continue;
        const auto& rf = r.fields[k];
        if (!rf.default_json)
          return Status::Invalid("the reader's field '" + r.full_name + "." + rf.name +
                                 "' is not in the writer's schema and has no default");
        Decoder::Step step;
        step.op = Op::kDefault;
        step.writer = rf.type;
        step.builder = sb->field_builder(static_cast<int>(k));
        step.default_value = nlohmann::json::parse(*rf.default_json);
        s->children.push_back(std::move(step));
      }
      return Status::OK();
    }
    case AvroType::kArray:
      s->op = Op::kArray;
      s->children.resize(1);
      return Resolve(*w.items, *r.items, static_cast<arrow::ListBuilder*>(b)->value_builder(), &s->children[0]);
    case AvroType::kMap:
      s->op = Op::kMap;
      s->children.resize(1);
      return Resolve(*w.values, *r.values, static_cast<arrow::MapBuilder*>(b)->item_builder(), &s->children[0]);
    case AvroType::kUnion: break;  // handled above
  }
  return Status::Internal("unknown Avro type");
}

// Enum dictionaries hold every reader symbol in order, so that the symbol
// number is the index. Walks the reader's schema alongside its builders.
Status SeedEnums(const AvroNode& r, ArrayBuilder* b) {
  switch (r.type) {
    case AvroType::kEnum: {
      arrow::BinaryBuilder symbols(arrow::utf8());
      for (const auto& sym : r.symbols) symbols.Append(sym);
      HANGAR_ASSIGN_OR_RETURN(auto values, symbols.Finish());
      return static_cast<arrow::DictionaryBuilder*>(b)->InsertMemoValues(*values);
    }
    case AvroType::kRecord:
      for (size_t i = 0; i < r.fields.size(); ++i)
        DECODE_RETURN_NOT_OK(
            SeedEnums(*r.fields[i].type, static_cast<arrow::StructBuilder*>(b)->field_builder(static_cast<int>(i))));
      return Status::OK();
    case AvroType::kArray: return SeedEnums(*r.items, static_cast<arrow::ListBuilder*>(b)->value_builder());
    case AvroType::kMap: return SeedEnums(*r.values, static_cast<arrow::MapBuilder*>(b)->item_builder());
    case AvroType::kUnion: {
      std::vector<size_t> others;
      for (size_t i = 0; i < r.branches.size(); ++i) {
        if (r.branches[i]->type != AvroType::kNull) others.push_back(i);
      }
      if (others.size() == 1) return SeedEnums(*r.branches[others[0]], b);
      if (others.empty()) return Status::OK();
      for (size_t i = 0; i < r.branches.size(); ++i)
        DECODE_RETURN_NOT_OK(
            SeedEnums(*r.branches[i], static_cast<arrow::UnionBuilder*>(b)->child_builder(static_cast<int8_t>(i))));
      return Status::OK();
    }
    default: return Status::OK();
  }
}

}  // namespace

Decoder::~Decoder() = default;

Result<std::unique_ptr<Decoder>> Decoder::Make(std::shared_ptr<const AvroSchema> writer,
                                               std::shared_ptr<const AvroSchema> reader) {
  std::unique_ptr<Decoder> d(new Decoder());
  d->avro_ = reader ? std::move(reader) : writer;
  HANGAR_ASSIGN_OR_RETURN(d->schema_, ArrowSchemaOf(*d->avro_));
  DECODE_RETURN_NOT_OK(d->Reset());
  DECODE_RETURN_NOT_OK(d->AddWriter(std::move(writer)).status());
  return d;
}

Result<int> Decoder::AddWriter(std::shared_ptr<const AvroSchema> writer) {
  auto plan = std::make_unique<Step>();
  DECODE_RETURN_NOT_OK(Resolve(writer->root(), avro_->root(), root_.get(), plan.get()));
  plan->flat = IsFlat(*plan);
  writers_.push_back(std::move(writer));
  plans_.push_back(std::move(plan));
  return static_cast<int>(writers_.size()) - 1;
}

Status Decoder::Reset() {
  HANGAR_ASSIGN_OR_RETURN(root_, arrow::MakeBuilder(arrow::struct_(schema_->fields())));
  for (size_t i = 0; i < writers_.size(); ++i) {
    plans_[i] = std::make_unique<Step>();
    DECODE_RETURN_NOT_OK(Resolve(writers_[i]->root(), avro_->root(), root_.get(), plans_[i].get()));
    plans_[i]->flat = IsFlat(*plans_[i]);
  }
  return SeedEnums(avro_->root(), root_.get());
}

Status Decoder::Append(int writer, const uint8_t** pos, const uint8_t* end) {
  const Step& plan = *plans_[static_cast<size_t>(writer)];
  if (plan.flat) {
    DECODE_RETURN_NOT_OK(RunFlat(plan, pos, end));
  } else {
    Reader r(pos, end);
    DECODE_RETURN_NOT_OK(Run(plan, r));
  }
  ++rows_;
  return Status::OK();
}

Status Decoder::AppendDatum(int writer, std::string_view datum) {
  const auto* pos = reinterpret_cast<const uint8_t*>(datum.data());
  const auto* end = pos + datum.size();
  DECODE_RETURN_NOT_OK(Append(writer, &pos, end));
  if (pos != end) return Status::Invalid("Avro datum has " + std::to_string(end - pos) + " bytes after the record");
  return Status::OK();
}

Status Decoder::Discard() {
  rows_ = 0;
  return Reset();
}

Result<arrow::RecordBatchPtr> Decoder::Flush() {
  HANGAR_ASSIGN_OR_RETURN(auto records, root_->Finish());
  const int64_t n = rows_;
  rows_ = 0;
  DECODE_RETURN_NOT_OK(Reset());
  std::vector<arrow::ArrayPtr> columns;
  for (const auto& c : records->children) columns.push_back(c->offset == 0 && c->length == n ? c : c->Slice(0, n));
  return arrow::MakeRecordBatch(schema_, n, std::move(columns));
}

}  // namespace hangar::avro
