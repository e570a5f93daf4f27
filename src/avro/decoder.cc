#include "avro/decoder.h"

#include <cstring>

#include "arrow/builder.h"
#include "avro/arrow_types.h"

namespace hangar::avro {

using arrow::ArrayBuilder;

// One node of the compiled plan: what to read and which builder gets it.
struct Decoder::Step {
  enum class Op {
    kNull, kBoolean, kInt32, kInt64, kFloat, kDouble, kBytes, kFixed, kEnum, kRecord, kArray, kMap,
    kNullable, kUnion, kDecimalBytes, kDecimalFixed, kUuidFixed, kDuration,
  };
  Op op = Op::kNull;
  ArrayBuilder* builder = nullptr;
  std::vector<Step> children;  // record fields, array item, map value, union branches, nullable's value
  int64_t size = 0;            // fixed size
  int64_t null_branch = -1;    // kNullable: the index of the null branch (-1: none)
  int64_t value_branch = 0;    // kNullable: the index of the other branch
  int64_t symbols = 0;         // kEnum
};

namespace {

using Op = Decoder::Step::Op;

Status Truncated() { return Status::Invalid("Avro data is truncated"); }

class Reader {
 public:
  Reader(const uint8_t** pos, const uint8_t* end) : pos_(pos), end_(end) {}

  Status Long(int64_t* out) {
    uint64_t v = 0;
    int shift = 0;
    while (true) {
      if (*pos_ >= end_) return Truncated();
      const uint8_t b = *(*pos_)++;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
      shift += 7;
      if (shift > 63) return Status::Invalid("Avro varint is longer than 10 bytes");
    }
    *out = static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));  // zigzag
    return Status::OK();
  }
  Status Int(int32_t* out) {
    int64_t v = 0;
    HANGAR_RETURN_NOT_OK(Long(&v));
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
    HANGAR_RETURN_NOT_OK(Long(&n));
    return Bytes(n, out);
  }
  template <typename T>
  Status Fixed(T* out) {
    std::string_view b;
    HANGAR_RETURN_NOT_OK(Bytes(sizeof(T), &b));
    std::memcpy(out, b.data(), sizeof(T));
    return Status::OK();
  }
  // Array and map blocks: calls item() for each item of every block.
  template <typename Item>
  Status Blocks(Item item) {
    while (true) {
      int64_t count = 0;
      HANGAR_RETURN_NOT_OK(Long(&count));
      if (count == 0) return Status::OK();
      if (count < 0) {  // a negative count is followed by the block's size in bytes
        int64_t bytes = 0;
        HANGAR_RETURN_NOT_OK(Long(&bytes));
        count = -count;
      }
      for (int64_t i = 0; i < count; ++i) HANGAR_RETURN_NOT_OK(item());
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

Status Run(const Decoder::Step& s, Reader& r) {
  switch (s.op) {
    case Op::kNull: s.builder->AppendNull(); return Status::OK();
    case Op::kBoolean: {
      std::string_view b;
      HANGAR_RETURN_NOT_OK(r.Bytes(1, &b));
      static_cast<arrow::BooleanBuilder*>(s.builder)->Append(b[0] != 0);
      return Status::OK();
    }
    case Op::kInt32: {
      int32_t v = 0;
      HANGAR_RETURN_NOT_OK(r.Int(&v));
      Put<int32_t>(s.builder, v);
      return Status::OK();
    }
    case Op::kInt64: {
      int64_t v = 0;
      HANGAR_RETURN_NOT_OK(r.Long(&v));
      Put<int64_t>(s.builder, v);
      return Status::OK();
    }
    case Op::kFloat: {
      float v = 0;
      HANGAR_RETURN_NOT_OK(r.Fixed(&v));
      Put<float>(s.builder, v);
      return Status::OK();
    }
    case Op::kDouble: {
      double v = 0;
      HANGAR_RETURN_NOT_OK(r.Fixed(&v));
      Put<double>(s.builder, v);
      return Status::OK();
    }
    case Op::kBytes: {
      std::string_view v;
      HANGAR_RETURN_NOT_OK(r.LengthPrefixed(&v));
      static_cast<arrow::BinaryBuilder*>(s.builder)->Append(v);
      return Status::OK();
    }
    case Op::kFixed: {
      std::string_view v;
      HANGAR_RETURN_NOT_OK(r.Bytes(s.size, &v));
      return static_cast<arrow::FixedSizeBinaryBuilder*>(s.builder)->Append(v);
    }
    case Op::kUuidFixed: {
      std::string_view v;
      HANGAR_RETURN_NOT_OK(r.Bytes(16, &v));
      static_cast<arrow::BinaryBuilder*>(s.builder)->Append(UuidText(v));
      return Status::OK();
    }
    case Op::kDecimalBytes: case Op::kDecimalFixed: {
      std::string_view v;
      if (s.op == Op::kDecimalBytes) HANGAR_RETURN_NOT_OK(r.LengthPrefixed(&v));
      else HANGAR_RETURN_NOT_OK(r.Bytes(s.size, &v));
      uint8_t le[32];
      const int width = s.builder->type()->bit_width() / 8;
      HANGAR_RETURN_NOT_OK(DecimalBytes(v, width, le));
      return static_cast<arrow::DecimalBuilder*>(s.builder)->Append(
          std::string_view(reinterpret_cast<const char*>(le), static_cast<size_t>(width)));
    }
    case Op::kDuration: {
      uint32_t parts[3];
      HANGAR_RETURN_NOT_OK(r.Fixed(&parts));
      Put<arrow::MonthDayNanoInterval>(s.builder, {static_cast<int32_t>(parts[0]), static_cast<int32_t>(parts[1]),
                                                   static_cast<int64_t>(parts[2]) * 1000000});
      return Status::OK();
    }
    case Op::kEnum: {
      int32_t index = 0;
      HANGAR_RETURN_NOT_OK(r.Int(&index));
      if (index < 0 || index >= s.symbols)
        return Status::Invalid("Avro enum index " + std::to_string(index) + " is out of range");
      return static_cast<arrow::DictionaryBuilder*>(s.builder)->AppendIndex(index);
    }
    case Op::kRecord:
      static_cast<arrow::StructBuilder*>(s.builder)->Append();
      for (const auto& field : s.children) HANGAR_RETURN_NOT_OK(Run(field, r));
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
        HANGAR_RETURN_NOT_OK(r.LengthPrefixed(&key));
        static_cast<arrow::BinaryBuilder*>(map->key_builder())->Append(key);
        return Run(s.children[0], r);
      });
    }
    case Op::kNullable: {
      int64_t branch = 0;
      HANGAR_RETURN_NOT_OK(r.Long(&branch));
      if (branch == s.null_branch) {
        s.builder->AppendNull();
        return Status::OK();
      }
      if (branch != s.value_branch) return Status::Invalid("Avro union branch " + std::to_string(branch) + " does not exist");
      return Run(s.children[0], r);
    }
    case Op::kUnion: {
      int64_t branch = 0;
      HANGAR_RETURN_NOT_OK(r.Long(&branch));
      if (branch < 0 || branch >= static_cast<int64_t>(s.children.size()))
        return Status::Invalid("Avro union branch " + std::to_string(branch) + " does not exist");
      HANGAR_RETURN_NOT_OK(static_cast<arrow::UnionBuilder*>(s.builder)->Append(static_cast<int8_t>(branch)));
      return Run(s.children[static_cast<size_t>(branch)], r);
    }
  }
  return Status::Internal("unknown decoder step");
}

// Binds `node` (whose Arrow form the builder `b` was made for) to a step.
Status Compile(const AvroNode& node, ArrayBuilder* b, Decoder::Step* s) {
  s->builder = b;
  const std::string& l = node.logical_type;
  switch (node.type) {
    case AvroType::kNull: s->op = Op::kNull; return Status::OK();
    case AvroType::kBoolean: s->op = Op::kBoolean; return Status::OK();
    case AvroType::kInt: s->op = Op::kInt32; return Status::OK();   // also date, time-millis
    case AvroType::kLong: s->op = Op::kInt64; return Status::OK();  // also times and timestamps
    case AvroType::kFloat: s->op = Op::kFloat; return Status::OK();
    case AvroType::kDouble: s->op = Op::kDouble; return Status::OK();
    case AvroType::kBytes: s->op = b->type()->is_decimal() ? Op::kDecimalBytes : Op::kBytes; return Status::OK();
    case AvroType::kString: s->op = Op::kBytes; return Status::OK();
    case AvroType::kFixed:
      s->size = node.size;
      if (b->type()->is_decimal()) s->op = Op::kDecimalFixed;
      else if (l == "uuid" && b->type()->id() == arrow::TypeId::kUtf8) s->op = Op::kUuidFixed;
      else if (b->type()->id() == arrow::TypeId::kIntervalMonthDayNano) s->op = Op::kDuration;
      else s->op = Op::kFixed;
      return Status::OK();
    case AvroType::kEnum: {
      s->op = Op::kEnum;
      s->symbols = static_cast<int64_t>(node.symbols.size());
      return Status::OK();
    }
    case AvroType::kRecord: {
      s->op = Op::kRecord;
      auto* sb = static_cast<arrow::StructBuilder*>(b);
      s->children.resize(node.fields.size());
      for (size_t i = 0; i < node.fields.size(); ++i)
        HANGAR_RETURN_NOT_OK(Compile(*node.fields[i].type, sb->field_builder(static_cast<int>(i)), &s->children[i]));
      return Status::OK();
    }
    case AvroType::kArray:
      s->op = Op::kArray;
      s->children.resize(1);
      return Compile(*node.items, static_cast<arrow::ListBuilder*>(b)->value_builder(), &s->children[0]);
    case AvroType::kMap:
      s->op = Op::kMap;
      s->children.resize(1);
      return Compile(*node.values, static_cast<arrow::MapBuilder*>(b)->item_builder(), &s->children[0]);
    case AvroType::kUnion: {
      std::vector<size_t> others;
      int64_t null_branch = -1;
      for (size_t i = 0; i < node.branches.size(); ++i) {
        if (node.branches[i]->type == AvroType::kNull) null_branch = static_cast<int64_t>(i);
        else others.push_back(i);
      }
      if (others.size() <= 1) {
        // ["null", T], [T, "null"], [T] or ["null"]: T's column, nullable.
        s->op = Op::kNullable;
        s->null_branch = null_branch;
        s->value_branch = others.empty() ? null_branch : static_cast<int64_t>(others[0]);
        s->children.resize(1);
        return Compile(*node.branches[static_cast<size_t>(s->value_branch)], b, &s->children[0]);
      }
      s->op = Op::kUnion;
      auto* ub = static_cast<arrow::UnionBuilder*>(b);
      s->children.resize(node.branches.size());
      for (size_t i = 0; i < node.branches.size(); ++i)
        HANGAR_RETURN_NOT_OK(Compile(*node.branches[i], ub->child_builder(static_cast<int8_t>(i)), &s->children[i]));
      return Status::OK();
    }
  }
  return Status::Internal("unknown Avro type");
}

// Enum dictionaries hold every symbol in order, so that the symbol number is the index.
Status SeedEnums(const AvroNode& node, const Decoder::Step& s) {
  if (node.type == AvroType::kEnum) {
    arrow::BinaryBuilder symbols(arrow::utf8());
    for (const auto& sym : node.symbols) symbols.Append(sym);
    HANGAR_ASSIGN_OR_RETURN(auto values, symbols.Finish());
    return static_cast<arrow::DictionaryBuilder*>(s.builder)->InsertMemoValues(*values);
  }
  auto child = [&](const AvroNode& n, size_t i) { return SeedEnums(n, s.children[i]); };
  switch (node.type) {
    case AvroType::kRecord:
      for (size_t i = 0; i < node.fields.size(); ++i) HANGAR_RETURN_NOT_OK(child(*node.fields[i].type, i));
      return Status::OK();
    case AvroType::kArray: return child(*node.items, 0);
    case AvroType::kMap: return child(*node.values, 0);
    case AvroType::kUnion:
      if (s.op == Op::kUnion) {
        for (size_t i = 0; i < node.branches.size(); ++i) HANGAR_RETURN_NOT_OK(child(*node.branches[i], i));
        return Status::OK();
      }
      for (const auto* b : node.branches) {
        if (b->type != AvroType::kNull || node.branches.size() == 1) return child(*b, 0);
      }
      return Status::OK();
    default: return Status::OK();
  }
}

}  // namespace

Decoder::~Decoder() = default;

Result<std::unique_ptr<Decoder>> Decoder::Make(std::shared_ptr<const AvroSchema> schema) {
  std::unique_ptr<Decoder> d(new Decoder());
  d->avro_ = std::move(schema);
  HANGAR_ASSIGN_OR_RETURN(d->schema_, ArrowSchemaOf(*d->avro_));
  HANGAR_RETURN_NOT_OK(d->Reset());
  return d;
}

Status Decoder::Reset() {
  HANGAR_ASSIGN_OR_RETURN(root_, arrow::MakeBuilder(arrow::struct_(schema_->fields())));
  plan_ = std::make_unique<Step>();
  HANGAR_RETURN_NOT_OK(Compile(avro_->root(), root_.get(), plan_.get()));
  return SeedEnums(avro_->root(), *plan_);
}

Status Decoder::Append(const uint8_t** pos, const uint8_t* end) {
  Reader r(pos, end);
  HANGAR_RETURN_NOT_OK(Run(*plan_, r));
  ++rows_;
  return Status::OK();
}

Status Decoder::AppendDatum(std::string_view datum) {
  const auto* pos = reinterpret_cast<const uint8_t*>(datum.data());
  const auto* end = pos + datum.size();
  HANGAR_RETURN_NOT_OK(Append(&pos, end));
  if (pos != end)
    return Status::Invalid("Avro datum has " + std::to_string(end - pos) + " bytes after the record");
  return Status::OK();
}

Result<arrow::RecordBatchPtr> Decoder::Flush() {
  HANGAR_ASSIGN_OR_RETURN(auto records, root_->Finish());
  const int64_t n = rows_;
  rows_ = 0;
  HANGAR_RETURN_NOT_OK(Reset());
  std::vector<arrow::ArrayPtr> columns;
  for (const auto& c : records->children) columns.push_back(c->offset == 0 && c->length == n ? c : c->Slice(0, n));
  return arrow::MakeRecordBatch(schema_, n, std::move(columns));
}

}  // namespace hangar::avro
