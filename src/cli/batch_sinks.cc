#include "cli/batch_sinks.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "arrow/array_access.h"
#include "arrow/ipc/io.h"
#include "arrow/ipc/writer.h"
#include "arrow/pretty_print.h"
#include "base/json_text.h"

namespace hangar::cli {

namespace {

bool IsText(const arrow::Array& column) {
  const auto id = column.type->id();
  return id == arrow::TypeId::kUtf8 || id == arrow::TypeId::kLargeUtf8 || id == arrow::TypeId::kUtf8View;
}

// A value as people read it: strings raw, the rest as the pretty-printer
// writes them; nulls as `null_text`.
std::string CellText(const arrow::Array& column, int64_t row, const char* null_text) {
  if (!arrow::IsLogicallyValid(column, row)) return null_text;
  // A dictionary-encoded value is its dictionary entry (an Avro enum's symbol).
  if (column.type->id() == arrow::TypeId::kDictionary)
    return CellText(*column.dictionary, arrow::DictionaryIndex(column, row), null_text);
  return IsText(column) ? std::string(arrow::BinaryValue(column, row)) : arrow::FormatValue(column, row);
}

// CSV: RFC 4180 quoting; nulls are empty fields; strings as their raw text,
// everything else as the pretty printer writes it.
std::string CsvField(const arrow::Array& column, int64_t row) {
  std::string v = CellText(column, row, "");
  if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
  std::string quoted = "\"";
  for (char c : v) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

class IpcSink : public BatchSink {
 public:
  IpcSink(int fd, bool file_format) : out_(fd), file_format_(file_format) {}
  Status Begin(const arrow::SchemaPtr& schema) override {
    if (file_format_) {
      HANGAR_ASSIGN_OR_RETURN(file_, arrow::ipc::FileWriter::Open(&out_, schema));
    } else {
      HANGAR_ASSIGN_OR_RETURN(stream_, arrow::ipc::StreamWriter::Open(&out_, schema));
    }
    return Status::OK();
  }
  Status Write(const arrow::RecordBatch& batch) override {
    return file_ ? file_->WriteBatch(batch) : stream_->WriteBatch(batch);
  }
  Status End() override { return file_ ? file_->Close() : stream_->Close(); }

 private:
  arrow::ipc::FdOutputStream out_;
  bool file_format_;
  std::unique_ptr<arrow::ipc::FileWriter> file_;
  std::unique_ptr<arrow::ipc::StreamWriter> stream_;
};

class TextSink : public BatchSink {
 public:
  TextSink(FILE* out, bool csv) : out_(out), csv_(csv) {}
  Status Begin(const arrow::SchemaPtr& schema) override {
    schema_ = schema;
    if (csv_) {
      for (int i = 0; i < schema->num_fields(); ++i)
        std::fprintf(out_, "%s%s", i ? "," : "", schema->field(i)->name().c_str());
      std::fputc('\n', out_);
    } else {
      std::fprintf(out_, "schema:\n%s\n", schema->ToString().c_str());
    }
    return Status::OK();
  }
  Status Write(const arrow::RecordBatch& batch) override {
    if (!csv_) {
      std::fprintf(out_, "%s\n", arrow::PrettyPrint(batch).c_str());
      return Status::OK();
    }
    for (int64_t r = 0; r < batch.num_rows; ++r) {
      for (int c = 0; c < batch.num_columns(); ++c)
        std::fprintf(out_, "%s%s", c ? "," : "", CsvField(*batch.column(c), r).c_str());
      std::fputc('\n', out_);
    }
    return Status::OK();
  }
  Status End() override { return std::ferror(out_) ? Status::IOError("write failed") : Status::OK(); }

 private:
  FILE* out_;
  bool csv_;
  arrow::SchemaPtr schema_;
};

// One JSON object per row: numbers and booleans as JSON values, strings as
// strings, everything else as the text the pretty-printer gives it.
class JsonSink : public BatchSink {
 public:
  explicit JsonSink(FILE* out) : out_(out) {}
  Status Begin(const arrow::SchemaPtr& schema) override {
    schema_ = schema;
    return Status::OK();
  }
  Status Write(const arrow::RecordBatch& batch) override {
    for (int64_t r = 0; r < batch.num_rows; ++r) {
      nlohmann::ordered_json row = nlohmann::ordered_json::object();
      for (int c = 0; c < batch.num_columns(); ++c) {
        const auto& column = *batch.column(c);
        auto& cell = row[schema_->field(c)->name()];
        if (!arrow::IsLogicallyValid(column, r)) {
          cell = nullptr;
          continue;
        }
        const std::string text = CellText(column, r, "");
        const auto id = column.type->id();
        if (IsText(column))
          cell = text;
        else if (id == arrow::TypeId::kBool)
          cell = text == "true";
        else if ((id >= arrow::TypeId::kInt8 && id <= arrow::TypeId::kUInt64) || id == arrow::TypeId::kFloat32 ||
                 id == arrow::TypeId::kFloat64)
          cell = nlohmann::ordered_json::parse(text, nullptr, false).is_discarded()
                     ? nlohmann::ordered_json(text)
                     : nlohmann::ordered_json::parse(text);
        else
          cell = text;
      }
      std::fprintf(out_, "%s\n", JsonText(row).c_str());
    }
    return Status::OK();
  }
  Status End() override { return std::ferror(out_) ? Status::IOError("write failed") : Status::OK(); }

 private:
  FILE* out_;
  arrow::SchemaPtr schema_;
};

// Columns a UTF-8 text takes on a terminal: one per code point (wide
// characters are rare in results and counted as one).
size_t DisplayWidth(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

// `text` cut to `width` columns, the cut marked with "…".
std::string Fit(const std::string& text, size_t width) {
  if (DisplayWidth(text) <= width) return text;
  size_t keep = 0, columns = 0;
  while (keep < text.size() && columns + 1 < width) {
    ++keep;
    while (keep < text.size() && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) ++keep;
    ++columns;
  }
  return text.substr(0, keep) + "\u2026";
}

// Rows under a header, columns as wide as their widest value in the first
// batch (or the name), then the row count. With a maximum width, the widest
// columns give up room until the line fits, and values wider than their
// column (in any batch) are cut, ending in "…".
class TableSink : public BatchSink {
 public:
  TableSink(FILE* out, size_t max_width) : out_(out), max_width_(max_width) {}
  Status Begin(const arrow::SchemaPtr& schema) override {
    schema_ = schema;
    return Status::OK();
  }
  Status Write(const arrow::RecordBatch& batch) override {
    const int n = batch.num_columns();
    std::vector<std::vector<std::string>> cells(static_cast<size_t>(batch.num_rows));
    if (widths_.empty()) {
      for (int c = 0; c < n; ++c) widths_.push_back(DisplayWidth(schema_->field(c)->name()));
    }
    for (int64_t r = 0; r < batch.num_rows; ++r) {
      for (int c = 0; c < n; ++c) {
        cells[r].push_back(CellText(*batch.column(c), r, "NULL"));
        if (!header_done_) widths_[c] = std::max(widths_[c], DisplayWidth(cells[r].back()));
      }
    }
    if (!header_done_) {
      FitWidths();
      std::vector<std::string> names;
      for (int c = 0; c < n; ++c) names.push_back(schema_->field(c)->name());
      PrintRow(names);
      std::string rule;
      for (int c = 0; c < n; ++c) rule += (c ? "-+-" : "") + std::string(widths_[c], '-');
      std::fprintf(out_, "%s\n", rule.c_str());
      header_done_ = true;
    }
    for (const auto& row : cells) PrintRow(row);
    rows_ += batch.num_rows;
    return Status::OK();
  }
  Status End() override {
    if (!header_done_) {
      std::vector<std::string> names;
      for (const auto& f : schema_->fields()) names.push_back(f->name());
      PrintRow(names);
    }
    std::fprintf(out_, "(%lld row%s%s)\n", static_cast<long long>(rows_), rows_ == 1 ? "" : "s",
                 cut_ ? "; values ending in \u2026 are cut to fit the terminal" : "");
    return std::ferror(out_) ? Status::IOError("write failed") : Status::OK();
  }

 private:
  // Narrows the widest column, one column at a time, until a line fits
  // (or every column is down to a few characters).
  void FitWidths() {
    if (max_width_ == 0 || widths_.empty()) return;
    constexpr size_t kNarrowest = 4;
    auto line = [&] {
      size_t total = 3 * (widths_.size() - 1);
      for (size_t w : widths_) total += w;
      return total;
    };
    while (line() > max_width_) {
      auto widest = std::max_element(widths_.begin(), widths_.end());
      if (*widest <= kNarrowest) break;
      --*widest;
    }
  }

  void PrintRow(const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      if (c) line += " | ";
      std::string cell = row[c];
      if (max_width_ > 0 && c < widths_.size() && DisplayWidth(cell) > widths_[c]) {
        cell = Fit(cell, widths_[c]);
        cut_ = true;
      }
      line += cell;
      const size_t width = DisplayWidth(cell);
      if (c + 1 < row.size() && c < widths_.size() && width < widths_[c]) line += std::string(widths_[c] - width, ' ');
    }
    std::fprintf(out_, "%s\n", line.c_str());
  }

  FILE* out_;
  size_t max_width_;
  arrow::SchemaPtr schema_;
  std::vector<size_t> widths_;
  bool header_done_ = false;
  bool cut_ = false;
  int64_t rows_ = 0;
};

// psql's expanded display: each row as "name | value" lines.
class ExpandedSink : public BatchSink {
 public:
  explicit ExpandedSink(FILE* out) : out_(out) {}
  Status Begin(const arrow::SchemaPtr& schema) override {
    schema_ = schema;
    for (const auto& f : schema->fields()) name_width_ = std::max(name_width_, DisplayWidth(f->name()));
    return Status::OK();
  }
  Status Write(const arrow::RecordBatch& batch) override {
    for (int64_t r = 0; r < batch.num_rows; ++r) {
      std::fprintf(out_, "-[ RECORD %lld ]%s\n", static_cast<long long>(++rows_),
                   std::string(name_width_, '-').c_str());
      for (int c = 0; c < batch.num_columns(); ++c) {
        const std::string& name = schema_->field(c)->name();
        std::fprintf(out_, "%s%s | %s\n", name.c_str(), std::string(name_width_ - DisplayWidth(name), ' ').c_str(),
                     CellText(*batch.column(c), r, "NULL").c_str());
      }
    }
    return Status::OK();
  }
  Status End() override {
    std::fprintf(out_, "(%lld row%s)\n", static_cast<long long>(rows_), rows_ == 1 ? "" : "s");
    return std::ferror(out_) ? Status::IOError("write failed") : Status::OK();
  }

 private:
  FILE* out_;
  arrow::SchemaPtr schema_;
  size_t name_width_ = 0;
  int64_t rows_ = 0;
};

}  // namespace

Result<std::unique_ptr<BatchSink>> MakeSink(const std::string& format, int fd, FILE* out, const TableLayout& layout) {
  if (format == "arrow" || format == "arrows")
    return std::unique_ptr<BatchSink>(std::make_unique<IpcSink>(fd, format == "arrow"));
  if (format == "csv" || format == "pretty")
    return std::unique_ptr<BatchSink>(std::make_unique<TextSink>(out, format == "csv"));
  if (format == "json") return std::unique_ptr<BatchSink>(std::make_unique<JsonSink>(out));
  if (format == "table" && layout.expanded) return std::unique_ptr<BatchSink>(std::make_unique<ExpandedSink>(out));
  if (format == "table") return std::unique_ptr<BatchSink>(std::make_unique<TableSink>(out, layout.max_width));
  return Status::Invalid("unknown format '" + format + "' (arrow, arrows, csv, json, table or pretty)");
}

Result<Output> Output::Open(const std::string& path) {
  if (path.empty()) return Output(STDOUT_FILENO, stdout);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return Status::IOError("cannot create '" + path + "'");
  return Output(fd, fdopen(fd, "w"));
}

Output::~Output() {
  if (file_ == nullptr) return;
  std::fflush(file_);
  if (file_ != stdout) std::fclose(file_);
}

std::string FormatForPath(const std::string& path, const std::string& fallback) {
  if (path.ends_with(".csv")) return "csv";
  if (path.ends_with(".arrows")) return "arrows";
  if (path.ends_with(".json") || path.ends_with(".jsonl")) return "json";
  if (path.ends_with(".arrow")) return "arrow";
  return fallback;
}

}  // namespace hangar::cli
