#include "sql/insert_statement.h"

#include <cctype>

namespace hangar::sql {

namespace {

// A cursor over SQL text that skips whitespace and comments between tokens.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  void SkipSpace() {
    while (pos_ < text_.size()) {
      if (std::isspace(static_cast<unsigned char>(text_[pos_]))) {
        ++pos_;
      } else if (text_.substr(pos_, 2) == "--") {
        const size_t end = text_.find('\n', pos_);
        pos_ = end == std::string_view::npos ? text_.size() : end;
      } else if (text_.substr(pos_, 2) == "/*") {
        const size_t end = text_.find("*/", pos_ + 2);
        pos_ = end == std::string_view::npos ? text_.size() : end + 2;
      } else {
        return;
      }
    }
  }

  // Consumes `word` (a keyword, any case) if it comes next.
  bool Keyword(std::string_view word) {
    SkipSpace();
    if (text_.size() - pos_ < word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i)
      if (std::toupper(static_cast<unsigned char>(text_[pos_ + i])) != word[i]) return false;
    const size_t end = pos_ + word.size();
    if (end < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[end])) || text_[end] == '_')) return false;
    pos_ = end;
    return true;
  }

  bool Char(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  // An identifier, bare or "quoted" (doubled quotes inside).
  Result<std::string> Identifier() {
    SkipSpace();
    std::string out;
    if (pos_ < text_.size() && text_[pos_] == '"') {
      for (++pos_; pos_ < text_.size(); ++pos_) {
        if (text_[pos_] == '"') {
          if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
            out += '"';
            ++pos_;
            continue;
          }
          ++pos_;
          return out;
        }
        out += text_[pos_];
      }
      return Status::Invalid("INSERT: an unterminated quoted name");
    }
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_' ||
                                   text_[pos_] == '-' || text_[pos_] == '$'))
      out += text_[pos_++];
    if (out.empty()) return Status::Invalid("INSERT: expected a name at position " + std::to_string(pos_ + 1));
    return out;
  }

  std::string_view Rest() const { return text_.substr(pos_); }
  size_t pos() const { return pos_; }
  void Reset(size_t pos) { pos_ = pos; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::optional<InsertStatement>> ParseInsert(std::string_view sql) {
  Cursor c(sql);
  if (!c.Keyword("INSERT")) return std::optional<InsertStatement>();
  if (c.Keyword("OR")) return Status::Invalid("INSERT OR ...: Hangar tables take plain INSERT INTO t SELECT/VALUES");
  if (!c.Keyword("INTO")) return Status::Invalid("INSERT: expected INTO");
  InsertStatement out;
  HANGAR_ASSIGN_OR_RETURN(out.table, c.Identifier());
  if (c.Char('.')) {
    HANGAR_ASSIGN_OR_RETURN(auto name, c.Identifier());
    out.table += "." + name;
  }
  const size_t before_list = c.pos();
  if (c.Char('(')) {
    // A column list, unless the parenthesis opens the query itself.
    if (c.Keyword("SELECT") || c.Keyword("WITH") || c.Keyword("VALUES") || c.Keyword("FROM")) {
      c.Reset(before_list);
    } else {
      do {
        HANGAR_ASSIGN_OR_RETURN(auto column, c.Identifier());
        out.columns.push_back(std::move(column));
      } while (c.Char(','));
      if (!c.Char(')')) return Status::Invalid("INSERT: expected ')' after the column list");
    }
  }
  c.SkipSpace();
  const size_t query_start = c.pos();
  if (c.Keyword("DEFAULT")) return Status::Invalid("INSERT ... DEFAULT VALUES: give the values");
  c.Reset(query_start);
  out.query = std::string(c.Rest());
  while (!out.query.empty() && (std::isspace(static_cast<unsigned char>(out.query.back())) || out.query.back() == ';'))
    out.query.pop_back();
  if (out.query.empty()) return Status::Invalid("INSERT: expected a query or VALUES after the table");
  return std::optional<InsertStatement>(std::move(out));
}

}  // namespace hangar::sql
