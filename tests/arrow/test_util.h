// Small helpers for tests: arrays from std::vector, and the gold-file corpus.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "arrow/array.h"

namespace hangar::arrow::testing {

// A fixed-width column; `valid` (same length) marks nulls when given.
template <typename T>
ArrayPtr Column(TypePtr type, const std::vector<T>& values, const std::vector<bool>& valid = {}) {
  MutableBuffer data;
  for (const T& v : values) data.AppendValue(v);
  BufferPtr validity;
  int64_t nulls = 0;
  if (!valid.empty()) {
    MutableBuffer bits;
    bits.Resize(bit::BytesFor(static_cast<int64_t>(valid.size())));
    for (size_t i = 0; i < valid.size(); ++i) {
      if (valid[i])
        bit::Set(bits.data(), static_cast<int64_t>(i));
      else
        ++nulls;
    }
    validity = bits.Finish();
  }
  return MakeArray(std::move(type), static_cast<int64_t>(values.size()), {validity, data.Finish()}, {}, nulls);
}

// A utf8 column; std::nullopt is null.
inline ArrayPtr Strings(const std::vector<std::optional<std::string>>& values) {
  MutableBuffer offsets, data, bits;
  bits.Resize(bit::BytesFor(static_cast<int64_t>(values.size())));
  int32_t pos = 0;
  int64_t nulls = 0;
  offsets.AppendValue(pos);
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i]) {
      data.Append(values[i]->data(), static_cast<int64_t>(values[i]->size()));
      pos += static_cast<int32_t>(values[i]->size());
      bit::Set(bits.data(), static_cast<int64_t>(i));
    } else {
      ++nulls;
    }
    offsets.AppendValue(pos);
  }
  return MakeArray(utf8(), static_cast<int64_t>(values.size()),
                   {nulls ? bits.Finish() : nullptr, offsets.Finish(), data.Finish()}, {}, nulls);
}

inline std::string TestDataDir() { return HANGAR_TESTDATA_DIR; }

// Every gold IPC file (streams and files) below testdata/arrow-ipc, sorted.
inline std::vector<std::string> GoldIpcFiles() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(TestDataDir() + "/arrow-ipc")) {
    const std::string p = e.path().string();
    if (p.ends_with(".stream") || p.ends_with(".arrow_file")) out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace hangar::arrow::testing
