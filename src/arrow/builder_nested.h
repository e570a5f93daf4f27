// Builders of nested layouts: lists (and their large, view and fixed-size
// variants), maps, structs and unions. Part of the builder family (builder.h).
//
// A nested builder owns the builders of its children and exposes them; the
// parent records the shape (offsets, validity, type ids) and the caller
// appends the values to the children. Finish() finishes the children too and
// checks that their lengths agree with the shape, so a forgotten child value
// is an error with a message, never a malformed array.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "arrow/builder_base.h"

namespace hangar::arrow {

// list and large_list. Append() opens the next list; the values appended to
// value_builder() until the next Append/AppendNull/Finish are its elements.
template <typename Offset>
class BaseListBuilder : public ArrayBuilder {
 public:
  BaseListBuilder(TypePtr type, std::unique_ptr<ArrayBuilder> values);

  void Append() {
    offsets_.AppendValue(static_cast<Offset>(children_[0]->length()));
    AppendValid();
  }
  void AppendNull() override {
    offsets_.AppendValue(static_cast<Offset>(children_[0]->length()));
    AppendInvalid();
  }
  void AppendNulls(int64_t n) override;
  void Reserve(int64_t n) override {
    offsets_.Reserve(offsets_.size() + (n + 1) * static_cast<int64_t>(sizeof(Offset)));
  }
  ArrayBuilder* value_builder() const { return children_[0].get(); }
  Result<ArrayPtr> Finish() override;

 private:
  MutableBuffer offsets_;  // the start of each list; Finish() adds the end
};
using ListBuilder = BaseListBuilder<int32_t>;
using LargeListBuilder = BaseListBuilder<int64_t>;
extern template class BaseListBuilder<int32_t>;
extern template class BaseListBuilder<int64_t>;

// Append() marks one struct slot valid; then exactly one value (or null) goes
// to each field_builder(). AppendNull() appends a null to every field itself.
class StructBuilder : public ArrayBuilder {
 public:
  StructBuilder(TypePtr type, std::vector<std::unique_ptr<ArrayBuilder>> fields);
  void Append() { AppendValid(); }
  void AppendNull() override;
  void AppendNulls(int64_t n) override;
  ArrayBuilder* field_builder(int i) const { return children_[static_cast<size_t>(i)].get(); }
  int num_fields() const { return num_children(); }
  Result<ArrayPtr> Finish() override;
};

// map<K, V>: a list of entries struct<key, value>. Per map: Append(); per
// entry: entries_builder()->Append(), one key to key_builder() (never null)
// and one value or null to item_builder().
class MapBuilder : public ListBuilder {
 public:
  MapBuilder(TypePtr type, std::unique_ptr<StructBuilder> entries);
  StructBuilder* entries_builder() const { return static_cast<StructBuilder*>(value_builder()); }
  ArrayBuilder* key_builder() const { return entries_builder()->field_builder(0); }
  ArrayBuilder* item_builder() const { return entries_builder()->field_builder(1); }
};

// list_view and large_list_view: Append() opens a view over the values
// appended to value_builder() until the next Append/AppendNull/Finish (the
// builder writes views in order; the layout would allow any).
template <typename Offset>
class BaseListViewBuilder : public ArrayBuilder {
 public:
  BaseListViewBuilder(TypePtr type, std::unique_ptr<ArrayBuilder> values);
  void Append() {
    CloseOpenView();
    offsets_.AppendValue(static_cast<Offset>(children_[0]->length()));
    AppendValid();
    open_ = true;
  }
  void AppendNull() override {
    CloseOpenView();
    offsets_.AppendValue(static_cast<Offset>(0));
    sizes_.AppendValue(static_cast<Offset>(0));
    AppendInvalid();
  }
  void AppendNulls(int64_t n) override;
  void Reserve(int64_t n) override;
  ArrayBuilder* value_builder() const { return children_[0].get(); }
  Result<ArrayPtr> Finish() override;

 private:
  void CloseOpenView();
  MutableBuffer offsets_;
  MutableBuffer sizes_;
  bool open_ = false;
};
using ListViewBuilder = BaseListViewBuilder<int32_t>;
using LargeListViewBuilder = BaseListViewBuilder<int64_t>;
extern template class BaseListViewBuilder<int32_t>;
extern template class BaseListViewBuilder<int64_t>;

// fixed_size_list<T>[n]: Append() marks one list valid; exactly n values
// follow in value_builder(). AppendNull() appends n nulls to the values itself.
class FixedSizeListBuilder : public ArrayBuilder {
 public:
  FixedSizeListBuilder(TypePtr type, std::unique_ptr<ArrayBuilder> values);
  void Append() { AppendValid(); }
  void AppendNull() override;
  void AppendNulls(int64_t n) override;
  int32_t list_size() const { return type_->list_size(); }
  ArrayBuilder* value_builder() const { return children_[0].get(); }
  Result<ArrayPtr> Finish() override;
};

// Sparse and dense unions. Append(type_code) selects the child for the next
// slot; then exactly one value (or null) goes to child_builder(type_code).
// A sparse union pads every other child with a null itself. Unions have no
// validity bitmap: AppendNull() appends a null of the first child.
class UnionBuilder : public ArrayBuilder {
 public:
  UnionBuilder(TypePtr type, std::vector<std::unique_ptr<ArrayBuilder>> children);

  Status Append(int8_t type_code) {
    const int c = type_code >= 0 ? child_of_code_[static_cast<size_t>(type_code)] : -1;
    if (c < 0) [[unlikely]]
      return UnknownCode(type_code);
    type_ids_.AppendValue(type_code);
    if (dense_) {
      offsets_.AppendValue(static_cast<int32_t>(children_[static_cast<size_t>(c)]->length()));
      ++selected_[static_cast<size_t>(c)];
    } else {
      PadOtherChildren(c);
    }
    ++length_;
    return Status::OK();
  }
  void AppendNull() override;
  // The builder of the child with `type_code` (nullptr if there is none).
  ArrayBuilder* child_builder(int8_t type_code) const {
    const int c = type_code >= 0 ? child_of_code_[static_cast<size_t>(type_code)] : -1;
    return c < 0 ? nullptr : children_[static_cast<size_t>(c)].get();
  }
  void Reserve(int64_t n) override;
  Result<ArrayPtr> Finish() override;

 private:
  Status UnknownCode(int8_t type_code) const;
  void PadOtherChildren(int chosen);

  bool dense_;
  std::array<int, 128> child_of_code_;
  std::vector<int64_t> selected_;  // dense: slots that chose each child
  MutableBuffer type_ids_;
  MutableBuffer offsets_;
};

}  // namespace hangar::arrow
