// Random arrays of any type, built by hand from buffers (independently of the
// builders), for IPC round trips and corruption sweeps. Deterministic for a
// seed. Children of non-nullable fields get no nulls, so map keys and the
// like stay valid.
#pragma once

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "arrow/array.h"

namespace hangar::arrow::testing {

class RandomArrays {
 public:
  explicit RandomArrays(uint64_t seed) : rng_(seed) {}

  // An array of `length` values with about `null_probability` nulls (where the
  // type has a validity bitmap), offset 0.
  ArrayPtr Make(const TypePtr& type, int64_t length, double null_probability = 0.2) {
    const DataType& t = *type;
    const int64_t n = length;
    const double p = null_probability;
    int64_t nulls = 0;
    switch (t.id()) {
      case TypeId::kNull: return MakeArray(type, n, {}, {}, n);
      case TypeId::kBool: {
        auto validity = Validity(n, p, &nulls);
        return MakeArray(type, n, {validity, Bytes(bit::BytesFor(n))}, {}, nulls);
      }
      case TypeId::kUtf8:
      case TypeId::kBinary: return Binary<int32_t>(type, n, p);
      case TypeId::kLargeUtf8:
      case TypeId::kLargeBinary: return Binary<int64_t>(type, n, p);
      case TypeId::kUtf8View:
      case TypeId::kBinaryView: return Views(type, n, p);
      case TypeId::kList:
      case TypeId::kMap: return List<int32_t>(type, n, p);
      case TypeId::kLargeList: return List<int64_t>(type, n, p);
      case TypeId::kListView: return ListView<int32_t>(type, n, p);
      case TypeId::kLargeListView: return ListView<int64_t>(type, n, p);
      case TypeId::kFixedSizeList: {
        auto validity = Validity(n, p, &nulls);
        return MakeArray(type, n, {validity}, {Child(t.child(0), n * t.list_size(), p)}, nulls);
      }
      case TypeId::kStruct: {
        auto validity = Validity(n, p, &nulls);
        std::vector<ArrayPtr> children;
        for (const auto& f : t.children()) children.push_back(Child(f, n, p));
        return MakeArray(type, n, {validity}, std::move(children), nulls);
      }
      case TypeId::kSparseUnion:
      case TypeId::kDenseUnion: return Union(type, n, p);
      case TypeId::kDictionary: {
        const int64_t m = 1 + Uniform(5);
        auto dictionary = Make(t.value_type(), m, p);
        auto validity = Validity(n, p, &nulls);
        const int w = t.index_type()->bit_width() / 8;
        MutableBuffer indices;
        for (int64_t i = 0; i < n; ++i) {
          const uint64_t index = static_cast<uint64_t>(Uniform(m));
          indices.Append(&index, w);  // little-endian: the low bytes
        }
        return MakeArray(type, n, {validity, indices.Finish()}, {}, nulls, 0, dictionary);
      }
      case TypeId::kRunEndEncoded: return RunEnds(type, n, p);
      default: {
        auto validity = Validity(n, p, &nulls);
        return MakeArray(type, n, {validity, Bytes(n * t.bit_width() / 8)}, {}, nulls);
      }
    }
  }

  int64_t Uniform(int64_t n) { return n <= 0 ? 0 : static_cast<int64_t>(rng_() % static_cast<uint64_t>(n)); }

 private:
  ArrayPtr Child(const FieldPtr& f, int64_t n, double p) { return Make(f->type(), n, f->nullable() ? p : 0.0); }

  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  BufferPtr Validity(int64_t n, double p, int64_t* nulls) {
    *nulls = 0;
    if (p <= 0 || n == 0) return nullptr;
    uint8_t* bits = nullptr;
    auto buf = AllocateBuffer(bit::BytesFor(n), &bits);
    valid_.assign(static_cast<size_t>(n), true);
    for (int64_t i = 0; i < n; ++i) {
      if (Chance(p)) {
        valid_[i] = false;
        ++*nulls;
      } else {
        bit::Set(bits, i);
      }
    }
    return *nulls == 0 ? nullptr : buf;
  }
  // Validity of slot i of the bitmap made last (all valid if none was made).
  bool Valid(int64_t i, const BufferPtr& validity) const { return !validity || valid_[i]; }

  BufferPtr Bytes(int64_t n) {
    uint8_t* data = nullptr;
    auto buf = AllocateBuffer(n, &data);
    for (int64_t i = 0; i < n; ++i) data[i] = static_cast<uint8_t>(rng_());
    return buf;
  }

  std::string Text(int64_t max_len) {
    std::string s(static_cast<size_t>(Uniform(max_len + 1)), ' ');
    for (char& c : s) c = static_cast<char>('a' + Uniform(26));
    return s;
  }

  template <typename O>
  ArrayPtr Binary(const TypePtr& type, int64_t n, double p) {
    int64_t nulls = 0;
    auto validity = Validity(n, p, &nulls);
    MutableBuffer offsets, data;
    offsets.AppendValue<O>(0);
    for (int64_t i = 0; i < n; ++i) {
      if (Valid(i, validity)) {
        std::string s = Text(20);
        data.Append(s.data(), static_cast<int64_t>(s.size()));
      }
      offsets.AppendValue(static_cast<O>(data.size()));
    }
    return MakeArray(type, n, {validity, offsets.Finish(), data.Finish()}, {}, nulls);
  }

  ArrayPtr Views(const TypePtr& type, int64_t n, double p) {
    int64_t nulls = 0;
    auto validity = Validity(n, p, &nulls);
    const int64_t num_data = 1 + Uniform(3);
    std::vector<MutableBuffer> data(static_cast<size_t>(num_data));
    MutableBuffer views;
    views.Resize(16 * n);
    for (int64_t i = 0; i < n; ++i) {
      if (!Valid(i, validity)) continue;
      std::string s = Text(30);
      uint8_t* v = views.data() + 16 * i;
      const int32_t len = static_cast<int32_t>(s.size());
      std::memcpy(v, &len, 4);
      if (len <= 12) {
        std::memcpy(v + 4, s.data(), s.size());
      } else {
        const int32_t index = static_cast<int32_t>(Uniform(num_data));
        const int32_t off = static_cast<int32_t>(data[index].size());
        data[index].Append(s.data(), len);
        std::memcpy(v + 4, s.data(), 4);
        std::memcpy(v + 8, &index, 4);
        std::memcpy(v + 12, &off, 4);
      }
    }
    std::vector<BufferPtr> buffers{validity, views.Finish()};
    for (auto& d : data) buffers.push_back(d.Finish());
    return MakeArray(type, n, std::move(buffers), {}, nulls);
  }

  template <typename O>
  ArrayPtr List(const TypePtr& type, int64_t n, double p) {
    int64_t nulls = 0;
    auto validity = Validity(n, p, &nulls);
    MutableBuffer offsets;
    O total = 0;
    offsets.AppendValue(total);
    for (int64_t i = 0; i < n; ++i) {
      if (Valid(i, validity)) total += static_cast<O>(Uniform(5));
      offsets.AppendValue(total);
    }
    auto offsets_buf = offsets.Finish();
    return MakeArray(type, n, {validity, offsets_buf}, {Child(type->child(0), total, p)}, nulls);
  }

  template <typename O>
  ArrayPtr ListView(const TypePtr& type, int64_t n, double p) {
    int64_t nulls = 0;
    auto validity = Validity(n, p, &nulls);
    const int64_t child_length = Uniform(3 * n + 2);
    MutableBuffer offsets, sizes;
    for (int64_t i = 0; i < n; ++i) {
      O off = 0, size = 0;
      if (Valid(i, validity)) {
        off = static_cast<O>(Uniform(child_length + 1));
        size = static_cast<O>(std::min<int64_t>(Uniform(5), child_length - off));
      }
      offsets.AppendValue(off);
      sizes.AppendValue(size);
    }
    auto offsets_buf = offsets.Finish();
    auto sizes_buf = sizes.Finish();
    return MakeArray(type, n, {validity, offsets_buf, sizes_buf}, {Child(type->child(0), child_length, p)}, nulls);
  }

  ArrayPtr Union(const TypePtr& type, int64_t n, double p) {
    const DataType& t = *type;
    const bool dense = t.id() == TypeId::kDenseUnion;
    const int64_t k = t.num_children();
    MutableBuffer ids, offsets;
    std::vector<int32_t> counts(static_cast<size_t>(k), 0);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t c = Uniform(k);
      ids.AppendValue<int8_t>(t.type_codes()[c]);
      if (dense) offsets.AppendValue<int32_t>(counts[c]);
      ++counts[c];
    }
    std::vector<ArrayPtr> children;
    for (int64_t c = 0; c < k; ++c) children.push_back(Child(t.child(c), dense ? counts[c] : n, p));
    std::vector<BufferPtr> buffers{ids.Finish()};
    if (dense) buffers.push_back(offsets.Finish());
    return MakeArray(type, n, std::move(buffers), std::move(children), 0);
  }

  ArrayPtr RunEnds(const TypePtr& type, int64_t n, double p) {
    const TypePtr& run_end_type = type->child(0)->type();
    const int w = run_end_type->bit_width() / 8;
    MutableBuffer ends;
    int64_t runs = 0;
    for (int64_t pos = 0; pos < n; ++runs) {
      pos = std::min(n, pos + 1 + Uniform(4));
      ends.Append(&pos, w);  // little-endian: the low bytes
    }
    auto run_ends = MakeArray(run_end_type, runs, {nullptr, ends.Finish()}, {}, 0);
    return MakeArray(type, n, {}, {run_ends, Child(type->child(1), runs, p)}, 0);
  }

  std::mt19937_64 rng_;
  std::vector<bool> valid_;
};

// Types covering every type id, alone and nested in each other.
inline std::vector<TypePtr> EveryType() {
  auto dict_utf8 = dictionary(int16(), utf8());
  auto point = struct_({field("x", float64()), field("y", float64(), false)});
  return {
      null(),
      boolean(),
      int8(),
      int16(),
      int32(),
      int64(),
      uint8(),
      uint16(),
      uint32(),
      uint64(),
      float16(),
      float32(),
      float64(),
      utf8(),
      large_utf8(),
      binary(),
      large_binary(),
      utf8_view(),
      binary_view(),
      fixed_size_binary(5),
      fixed_size_binary(0),
      decimal(7, 2, 32),
      decimal(15, 3, 64),
      decimal128(38, 10),
      decimal256(76, 20),
      date32(),
      date64(),
      time32(TimeUnit::kSecond),
      time32(TimeUnit::kMilli),
      time64(TimeUnit::kMicro),
      time64(TimeUnit::kNano),
      timestamp(TimeUnit::kSecond),
      timestamp(TimeUnit::kMicro, "UTC"),
      timestamp(TimeUnit::kNano, "Europe/Oslo"),
      duration(TimeUnit::kSecond),
      duration(TimeUnit::kNano),
      interval_year_month(),
      interval_day_time(),
      interval_month_day_nano(),
      list(int32()),
      list(field("not_null_item", utf8(), false)),
      large_list(field("item", large_utf8())),
      list_view(field("item", int16())),
      large_list_view(field("item", utf8_view())),
      fixed_size_list(field("item", int64()), 3),
      fixed_size_list(field("item", binary_view()), 2),
      fixed_size_list(field("item", boolean()), 0),
      struct_({}),
      point,
      struct_({field("a", list(point)), field("b", dict_utf8), field("c", null())}),
      map(utf8(), int64()),
      map(int32(), list(utf8()), true),
      sparse_union({field("i", int32()), field("s", utf8()), field("n", null())}, {5, 1, 9}),
      dense_union({field("i", int64()), field("l", list(int8())), field("v", utf8_view())}),
      dense_union({field("only", float32())}, {42}),
      dict_utf8,
      dictionary(int8(), int64(), true),
      dictionary(uint32(), binary_view()),
      dictionary(int64(), point),
      dictionary(uint8(), list(utf8())),
      run_end_encoded(int16(), utf8()),
      run_end_encoded(int32(), float64()),
      run_end_encoded(int64(), list(int32())),
      list(dict_utf8),
      large_list(field("item", struct_({field("d", dictionary(int32(), large_binary()))}))),
      dense_union({field("d", dict_utf8), field("r", run_end_encoded(int32(), int8()))}),
  };
}

}  // namespace hangar::arrow::testing
