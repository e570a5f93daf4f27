#include "arrow/type_parse.h"

#include <cctype>
#include <charconv>
#include <string>

namespace hangar::arrow {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A recursive-descent reader over the text; errors name the position.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<TypePtr> Type() {
    const std::string name = Lower(Word());
    if (name.empty()) return Error("a type name");
    if (auto simple = Simple(name)) return simple;
    if (name == "timestamp" || name == "time32" || name == "time64" || name == "duration") return TimeType(name);
    if (name == "interval") {
      HANGAR_RETURN_NOT_OK(Expect('['));
      const std::string unit = Lower(Word());
      HANGAR_RETURN_NOT_OK(Expect(']'));
      if (unit == "year_month") return interval_year_month();
      if (unit == "day_time") return interval_day_time();
      if (unit == "month_day_nano") return interval_month_day_nano();
      return Error("year_month, day_time or month_day_nano");
    }
    if (name == "fixed_size_binary") {
      HANGAR_ASSIGN_OR_RETURN(auto width, BracketedInt());
      if (width <= 0) return Error("a positive byte width");
      return fixed_size_binary(static_cast<int32_t>(width));
    }
    if (name == "decimal" || name == "decimal32" || name == "decimal64" || name == "decimal128" ||
        name == "decimal256") {
      HANGAR_RETURN_NOT_OK(Expect('('));
      HANGAR_ASSIGN_OR_RETURN(auto precision, Int());
      int64_t scale = 0;
      if (Accept(',')) {
        HANGAR_ASSIGN_OR_RETURN(scale, Int());
      }
      HANGAR_RETURN_NOT_OK(Expect(')'));
      const int bits = name == "decimal" ? (precision > 38 ? 256 : 128) : std::stoi(name.substr(7));
      TypePtr t = decimal(static_cast<int32_t>(precision), static_cast<int32_t>(scale), bits);
      HANGAR_RETURN_NOT_OK(ValidateType(*t));
      return t;
    }
    if (name == "list" || name == "large_list" || name == "list_view" || name == "large_list_view" ||
        name == "fixed_size_list") {
      HANGAR_RETURN_NOT_OK(Expect('<'));
      HANGAR_ASSIGN_OR_RETURN(auto item, ChildField("item"));
      HANGAR_RETURN_NOT_OK(Expect('>'));
      if (name == "list") return list(item);
      if (name == "large_list") return large_list(item);
      if (name == "list_view") return list_view(item);
      if (name == "large_list_view") return large_list_view(item);
      HANGAR_ASSIGN_OR_RETURN(auto size, BracketedInt());
      if (size < 0) return Error("a list size of at least 0");
      return fixed_size_list(item, static_cast<int32_t>(size));
    }
    if (name == "struct") {
      HANGAR_RETURN_NOT_OK(Expect('<'));
      std::vector<FieldPtr> fields;
      if (!Accept('>')) {
        do {
          HANGAR_ASSIGN_OR_RETURN(auto f, Field());
          fields.push_back(std::move(f));
        } while (Accept(','));
        HANGAR_RETURN_NOT_OK(Expect('>'));
      }
      return struct_(std::move(fields));
    }
    if (name == "map") {
      HANGAR_RETURN_NOT_OK(Expect('<'));
      HANGAR_ASSIGN_OR_RETURN(auto key, Type());
      HANGAR_RETURN_NOT_OK(Expect(','));
      HANGAR_ASSIGN_OR_RETURN(auto item, Type());
      bool sorted = false;
      if (Accept(',')) {
        if (Lower(Word()) != "keys_sorted") return Error("keys_sorted");
        sorted = true;
      }
      HANGAR_RETURN_NOT_OK(Expect('>'));
      return map(key, item, sorted);
    }
    if (name == "dictionary") {
      HANGAR_RETURN_NOT_OK(Expect('<'));
      TypePtr values, indices = int32();
      bool ordered = false;
      do {
        const std::string key = Lower(Word());
        if (key == "ordered") {
          ordered = true;
          continue;
        }
        HANGAR_RETURN_NOT_OK(Expect('='));
        if (key == "values") {
          HANGAR_ASSIGN_OR_RETURN(values, Type());
        } else if (key == "indices") {
          HANGAR_ASSIGN_OR_RETURN(indices, Type());
        } else {
          return Error("values=, indices= or ordered");
        }
      } while (Accept(','));
      HANGAR_RETURN_NOT_OK(Expect('>'));
      if (values == nullptr) return Error("values=<type>");
      if (!indices->is_integer())
        return Status::Invalid("dictionary indices must be an integer type, not " + indices->ToString());
      return dictionary(indices, values, ordered);
    }
    return Status::Invalid("unknown type '" + name + "' in '" + std::string(text_) + "'");
  }

  // "name: type [not null]".
  Result<FieldPtr> Field() {
    Skip();
    std::string name;
    if (Peek() == '"') {
      ++pos_;
      while (pos_ < text_.size() && text_[pos_] != '"') name += text_[pos_++];
      HANGAR_RETURN_NOT_OK(Expect('"'));
    } else {
      while (pos_ < text_.size() && text_[pos_] != ':' && text_[pos_] != ',' && text_[pos_] != '>')
        name += text_[pos_++];
      while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
    }
    if (name.empty()) return Error("a field name");
    HANGAR_RETURN_NOT_OK(Expect(':'));
    HANGAR_ASSIGN_OR_RETURN(auto type, Type());
    return field(std::move(name), std::move(type), !NotNull());
  }

  Status End() {
    Skip();
    if (pos_ != text_.size()) return Error("the end");
    return Status::OK();
  }

 private:
  static TypePtr Simple(const std::string& n) {
    if (n == "null") return null();
    if (n == "bool" || n == "boolean") return boolean();
    if (n == "int8") return int8();
    if (n == "int16") return int16();
    if (n == "int32" || n == "int") return int32();
    if (n == "int64" || n == "long" || n == "bigint") return int64();
    if (n == "uint8") return uint8();
    if (n == "uint16") return uint16();
    if (n == "uint32") return uint32();
    if (n == "uint64") return uint64();
    if (n == "float16" || n == "halffloat" || n == "half_float") return float16();
    if (n == "float32" || n == "float") return float32();
    if (n == "float64" || n == "double") return float64();
    if (n == "utf8" || n == "string") return utf8();
    if (n == "large_utf8" || n == "large_string" || n == "largeutf8") return large_utf8();
    if (n == "binary") return binary();
    if (n == "large_binary" || n == "largebinary") return large_binary();
    if (n == "utf8_view" || n == "string_view") return utf8_view();
    if (n == "binary_view") return binary_view();
    if (n == "date32" || n == "date") return date32();
    if (n == "date64") return date64();
    return nullptr;
  }

  Result<TypePtr> TimeType(const std::string& name) {
    HANGAR_RETURN_NOT_OK(Expect('['));
    const std::string unit_text = Lower(Word());
    TimeUnit unit;
    if (unit_text == "s")
      unit = TimeUnit::kSecond;
    else if (unit_text == "ms")
      unit = TimeUnit::kMilli;
    else if (unit_text == "us")
      unit = TimeUnit::kMicro;
    else if (unit_text == "ns")
      unit = TimeUnit::kNano;
    else
      return Error("a time unit (s, ms, us or ns)");
    std::string zone;
    if (name == "timestamp" && Accept(',')) {
      Skip();
      if (Lower(text_.substr(pos_, 3)) == "tz=") pos_ += 3;
      while (pos_ < text_.size() && text_[pos_] != ']') zone += text_[pos_++];
      while (!zone.empty() && std::isspace(static_cast<unsigned char>(zone.back()))) zone.pop_back();
      if (zone.empty()) return Error("a time zone");
    }
    HANGAR_RETURN_NOT_OK(Expect(']'));
    if (name == "timestamp") return timestamp(unit, zone);
    if (name == "duration") return duration(unit);
    if (name == "time32") {
      if (unit != TimeUnit::kSecond && unit != TimeUnit::kMilli) return Status::Invalid("time32 takes s or ms");
      return time32(unit);
    }
    if (unit != TimeUnit::kMicro && unit != TimeUnit::kNano) return Status::Invalid("time64 takes us or ns");
    return time64(unit);
  }

  // A list's child: "item: int32" or just "int32" (named `default_name`).
  Result<FieldPtr> ChildField(const char* default_name) {
    const size_t start = pos_;
    // A child field has a ':' before any '<', '[', '(' or ','.
    for (size_t i = pos_; i < text_.size(); ++i) {
      const char c = text_[i];
      if (c == ':') return Field();
      if (c == '<' || c == '[' || c == '(' || c == ',' || c == '>') break;
    }
    pos_ = start;
    HANGAR_ASSIGN_OR_RETURN(auto type, Type());
    return field(default_name, std::move(type), !NotNull());
  }

  bool NotNull() {
    const size_t save = pos_;
    if (Lower(Word()) == "not" && Lower(Word()) == "null") return true;
    pos_ = save;
    return false;
  }

  Result<int64_t> Int() {
    Skip();
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), v);
    if (ec != std::errc()) return Error("a number");
    pos_ = static_cast<size_t>(end - text_.data());
    return v;
  }

  Result<int64_t> BracketedInt() {
    const char open = (Skip(), Peek());
    if (open != '[' && open != '(') return Error("[n]");
    ++pos_;
    HANGAR_ASSIGN_OR_RETURN(auto v, Int());
    HANGAR_RETURN_NOT_OK(Expect(open == '[' ? ']' : ')'));
    return v;
  }

  std::string_view Word() {
    Skip();
    const size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  void Skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool Accept(char c) {
    Skip();
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  Status Expect(char c) {
    if (Accept(c)) return Status::OK();
    return Error(std::string("'") + c + "'");
  }
  Status Error(const std::string& expected) const {
    return Status::Invalid("type '" + std::string(text_) + "': expected " + expected + " at position " +
                           std::to_string(pos_));
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

Result<TypePtr> ParseType(std::string_view text) {
  Parser p(text);
  HANGAR_ASSIGN_OR_RETURN(auto type, p.Type());
  HANGAR_RETURN_NOT_OK(p.End());
  return type;
}

Result<FieldPtr> ParseField(std::string_view text) {
  Parser p(text);
  HANGAR_ASSIGN_OR_RETURN(auto f, p.Field());
  HANGAR_RETURN_NOT_OK(p.End());
  return f;
}

}  // namespace hangar::arrow
