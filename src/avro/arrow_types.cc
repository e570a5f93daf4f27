#include "avro/arrow_types.h"

#include <algorithm>

namespace hangar::avro {

namespace {

class Mapper {
 public:
  Result<ArrowForm> Form(const AvroNode& n) {
    if (n.is_named()) {
      if (std::find(stack_.begin(), stack_.end(), &n) != stack_.end())
        return Status::Invalid("Avro type '" + n.full_name + "' is recursive; Arrow has no recursive types");
      stack_.push_back(&n);
    }
    auto form = FormOf(n);
    if (n.is_named()) stack_.pop_back();
    return form;
  }

 private:
  Result<ArrowForm> FormOf(const AvroNode& n) {
    using namespace arrow;
    if (auto logical = Logical(n)) return ArrowForm{logical, false};
    switch (n.type) {
      case AvroType::kNull: return ArrowForm{null(), true};
      case AvroType::kBoolean: return ArrowForm{boolean()};
      case AvroType::kInt: return ArrowForm{int32()};
      case AvroType::kLong: return ArrowForm{int64()};
      case AvroType::kFloat: return ArrowForm{float32()};
      case AvroType::kDouble: return ArrowForm{float64()};
      case AvroType::kBytes: return ArrowForm{binary()};
      case AvroType::kString: return ArrowForm{utf8()};
      case AvroType::kFixed: return ArrowForm{fixed_size_binary(static_cast<int32_t>(n.size))};
      case AvroType::kEnum: return ArrowForm{dictionary(int32(), utf8())};
      case AvroType::kRecord: {
        std::vector<FieldPtr> fields;
        for (const auto& f : n.fields) {
          HANGAR_ASSIGN_OR_RETURN(auto child, Form(*f.type));
          fields.push_back(field(f.name, child.type, child.nullable));
        }
        return ArrowForm{struct_(std::move(fields))};
      }
      case AvroType::kArray: {
        HANGAR_ASSIGN_OR_RETURN(auto item, Form(*n.items));
        return ArrowForm{list(field("item", item.type, item.nullable))};
      }
      case AvroType::kMap: {
        HANGAR_ASSIGN_OR_RETURN(auto value, Form(*n.values));
        auto entries =
            field("entries", struct_({field("key", utf8(), false), field("value", value.type, value.nullable)}), false);
        return ArrowForm{map(entries)};
      }
      case AvroType::kUnion: {
        std::vector<const AvroNode*> others;
        bool has_null = false;
        for (const auto* b : n.branches) {
          if (b->type == AvroType::kNull)
            has_null = true;
          else
            others.push_back(b);
        }
        if (others.empty()) return ArrowForm{null(), true};
        if (others.size() == 1) {
          HANGAR_ASSIGN_OR_RETURN(auto only, Form(*others[0]));
          return ArrowForm{only.type, has_null || only.nullable};
        }
        // Branches keep their Avro order; a null branch is a null-typed child.
        std::vector<FieldPtr> children;
        for (size_t i = 0; i < n.branches.size(); ++i) {
          const AvroNode& b = *n.branches[i];
          HANGAR_ASSIGN_OR_RETURN(auto child, Form(b));
          const std::string name = b.is_named() ? b.full_name : std::string(AvroTypeName(b.type));
          children.push_back(field(name, child.type, true));
        }
        return ArrowForm{dense_union(std::move(children))};
      }
    }
    return Status::Internal("unknown Avro type");
  }

  // The Arrow type a logical type gives, or null (none, or not valid here).
  static arrow::TypePtr Logical(const AvroNode& n) {
    using namespace arrow;
    const std::string& l = n.logical_type;
    if (l.empty()) return nullptr;
    const bool is_int = n.type == AvroType::kInt, is_long = n.type == AvroType::kLong;
    if (l == "decimal" && n.precision > 0) {
      return n.precision > 38 ? decimal256(n.precision, n.scale) : decimal128(n.precision, n.scale);
    }
    if (l == "uuid" && (n.type == AvroType::kString || (n.type == AvroType::kFixed && n.size == 16)))
      return utf8();  // a fixed(16) uuid is printed in its canonical form
    if (l == "date" && is_int) return date32();
    if (l == "time-millis" && is_int) return time32(TimeUnit::kMilli);
    if (l == "time-micros" && is_long) return time64(TimeUnit::kMicro);
    if (is_long) {
      if (l == "timestamp-millis") return timestamp(TimeUnit::kMilli, "UTC");
      if (l == "timestamp-micros") return timestamp(TimeUnit::kMicro, "UTC");
      if (l == "timestamp-nanos") return timestamp(TimeUnit::kNano, "UTC");
      if (l == "local-timestamp-millis") return timestamp(TimeUnit::kMilli);
      if (l == "local-timestamp-micros") return timestamp(TimeUnit::kMicro);
      if (l == "local-timestamp-nanos") return timestamp(TimeUnit::kNano);
    }
    if (l == "duration" && n.type == AvroType::kFixed && n.size == 12) return interval_month_day_nano();
    return nullptr;  // unknown or misapplied logical types fall back to the underlying type (the spec says so)
  }

  std::vector<const AvroNode*> stack_;
};

}  // namespace

Result<ArrowForm> ArrowFormOf(const AvroNode& node) { return Mapper().Form(node); }

Result<arrow::SchemaPtr> ArrowSchemaOf(const AvroSchema& schema) {
  const AvroNode& root = schema.root();
  if (root.type != AvroType::kRecord)
    return Status::Invalid("a topic's Avro schema must be a record to become columns; it is " +
                           std::string(AvroTypeName(root.type)));
  HANGAR_ASSIGN_OR_RETURN(auto form, ArrowFormOf(root));
  return arrow::schema(form.type->children(), {{"avro.schema.name", root.full_name}});
}

}  // namespace hangar::avro
