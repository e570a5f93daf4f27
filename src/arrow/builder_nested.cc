#include "arrow/builder_nested.h"

#include <limits>
#include <string>

namespace hangar::arrow {

namespace {

// Finishes every child builder (all of them, so that each is reset even
// when one fails); the first error carries the child's name.
Result<std::vector<ArrayPtr>> FinishChildren(const DataType& type,
                                             const std::vector<std::unique_ptr<ArrayBuilder>>& builders) {
  std::vector<ArrayPtr> out;
  Status first;
  for (size_t i = 0; i < builders.size(); ++i) {
    auto r = builders[i]->Finish();
    if (r.ok()) {
      out.push_back(std::move(r).value());
    } else if (first.ok()) {
      const std::string name = i < type.children().size() ? type.child(i)->name() : std::to_string(i);
      first = r.status().WithContext(type.ToString() + " child '" + name + "'");
    }
  }
  if (!first.ok()) return first;
  if (out.size() != type.children().size())
    return Status::Invalid(type.ToString() + " has " + std::to_string(type.children().size()) +
                           " children but its builder has " + std::to_string(out.size()));
  return out;
}

Status ChildLengthMismatch(const DataType& type, int child, int64_t got, int64_t want, const char* what) {
  return Status::Invalid(type.ToString() + " builder: child '" + type.child(static_cast<size_t>(child))->name() +
                         "' has " + std::to_string(got) + " values for " + std::to_string(want) + " " + what);
}

template <typename Offset>
Status CheckOffsetRange(const DataType& type, int64_t child_length) {
  if (child_length > static_cast<int64_t>(std::numeric_limits<Offset>::max()))
    return Status::Invalid(type.ToString() + " has " + std::to_string(child_length) +
                           " child values, more than 32-bit offsets address; split the batch or use a large type");
  return Status::OK();
}

}  // namespace

// --- BaseListBuilder ----------------------------------------------------------

template <typename Offset>
BaseListBuilder<Offset>::BaseListBuilder(TypePtr type, std::unique_ptr<ArrayBuilder> values)
    : ArrayBuilder(std::move(type)) {
  this->children_.push_back(std::move(values));
}

template <typename Offset>
void BaseListBuilder<Offset>::AppendNulls(int64_t n) {
  if (n <= 0) return;
  const auto start = static_cast<Offset>(this->children_[0]->length());
  offsets_.Reserve(offsets_.size() + n * static_cast<int64_t>(sizeof(Offset)));
  for (int64_t i = 0; i < n; ++i) offsets_.AppendValue(start);
  this->AppendInvalidRange(n);
}

template <typename Offset>
Result<ArrayPtr> BaseListBuilder<Offset>::Finish() {
  const int64_t child_length = this->children_[0]->length();
  offsets_.AppendValue(static_cast<Offset>(child_length));
  auto end = this->FinishBase();
  BufferPtr offsets = offsets_.Finish();
  HANGAR_ASSIGN_OR_RETURN(auto children, FinishChildren(*this->type_, this->children_));
  HANGAR_RETURN_NOT_OK(end.status);
  const DataType& t = *this->type_;
  const bool ok_type =
      sizeof(Offset) == 8 ? t.id() == TypeId::kLargeList : (t.id() == TypeId::kList || t.id() == TypeId::kMap);
  if (!ok_type) return Status::Invalid("a list builder cannot build " + t.ToString());
  HANGAR_RETURN_NOT_OK(CheckOffsetRange<Offset>(t, child_length));
  return MakeArray(this->type_, end.length, {std::move(end.validity), std::move(offsets)}, std::move(children),
                   end.null_count);
}

template class BaseListBuilder<int32_t>;
template class BaseListBuilder<int64_t>;

MapBuilder::MapBuilder(TypePtr type, std::unique_ptr<StructBuilder> entries)
    : ListBuilder(std::move(type), std::move(entries)) {}

// --- StructBuilder --------------------------------------------------------------

StructBuilder::StructBuilder(TypePtr type, std::vector<std::unique_ptr<ArrayBuilder>> fields)
    : ArrayBuilder(std::move(type)) {
  children_ = std::move(fields);
}

void StructBuilder::AppendNull() {
  for (auto& c : children_) c->AppendNull();
  AppendInvalid();
}

void StructBuilder::AppendNulls(int64_t n) {
  if (n <= 0) return;
  for (auto& c : children_) c->AppendNulls(n);
  AppendInvalidRange(n);
}

Result<ArrayPtr> StructBuilder::Finish() {
  auto end = FinishBase();
  HANGAR_ASSIGN_OR_RETURN(auto children, FinishChildren(*type_, children_));
  HANGAR_RETURN_NOT_OK(end.status);
  if (type_->id() != TypeId::kStruct) return Status::Invalid("a struct builder cannot build " + type_->ToString());
  for (size_t i = 0; i < children.size(); ++i) {
    if (children[i]->length != end.length)
      return ChildLengthMismatch(*type_, static_cast<int>(i), children[i]->length, end.length, "rows");
  }
  return MakeArray(type_, end.length, {std::move(end.validity)}, std::move(children), end.null_count);
}

// --- BaseListViewBuilder ------------------------------------------------------------

template <typename Offset>
BaseListViewBuilder<Offset>::BaseListViewBuilder(TypePtr type, std::unique_ptr<ArrayBuilder> values)
    : ArrayBuilder(std::move(type)) {
  this->children_.push_back(std::move(values));
}

template <typename Offset>
void BaseListViewBuilder<Offset>::CloseOpenView() {
  if (!open_) return;
  Offset start;
  std::memcpy(&start, offsets_.data() + offsets_.size() - static_cast<int64_t>(sizeof(Offset)), sizeof(Offset));
  sizes_.AppendValue(static_cast<Offset>(this->children_[0]->length() - start));
  open_ = false;
}

template <typename Offset>
void BaseListViewBuilder<Offset>::AppendNulls(int64_t n) {
  if (n <= 0) return;
  CloseOpenView();
  // Zero offsets and sizes: Resize fills with zeros.
  offsets_.Resize(offsets_.size() + n * static_cast<int64_t>(sizeof(Offset)));
  sizes_.Resize(sizes_.size() + n * static_cast<int64_t>(sizeof(Offset)));
  this->AppendInvalidRange(n);
}

template <typename Offset>
void BaseListViewBuilder<Offset>::Reserve(int64_t n) {
  offsets_.Reserve(offsets_.size() + n * static_cast<int64_t>(sizeof(Offset)));
  sizes_.Reserve(sizes_.size() + n * static_cast<int64_t>(sizeof(Offset)));
}

template <typename Offset>
Result<ArrayPtr> BaseListViewBuilder<Offset>::Finish() {
  CloseOpenView();
  const int64_t child_length = this->children_[0]->length();
  auto end = this->FinishBase();
  BufferPtr offsets = offsets_.Finish();
  BufferPtr sizes = sizes_.Finish();
  HANGAR_ASSIGN_OR_RETURN(auto children, FinishChildren(*this->type_, this->children_));
  HANGAR_RETURN_NOT_OK(end.status);
  const DataType& t = *this->type_;
  if (t.id() != (sizeof(Offset) == 8 ? TypeId::kLargeListView : TypeId::kListView))
    return Status::Invalid("a list view builder cannot build " + t.ToString());
  HANGAR_RETURN_NOT_OK(CheckOffsetRange<Offset>(t, child_length));
  return MakeArray(this->type_, end.length, {std::move(end.validity), std::move(offsets), std::move(sizes)},
                   std::move(children), end.null_count);
}

template class BaseListViewBuilder<int32_t>;
template class BaseListViewBuilder<int64_t>;

// --- FixedSizeListBuilder -------------------------------------------------------------

FixedSizeListBuilder::FixedSizeListBuilder(TypePtr type, std::unique_ptr<ArrayBuilder> values)
    : ArrayBuilder(std::move(type)) {
  children_.push_back(std::move(values));
}

void FixedSizeListBuilder::AppendNull() {
  children_[0]->AppendNulls(list_size());
  AppendInvalid();
}

void FixedSizeListBuilder::AppendNulls(int64_t n) {
  if (n <= 0) return;
  children_[0]->AppendNulls(n * list_size());
  AppendInvalidRange(n);
}

Result<ArrayPtr> FixedSizeListBuilder::Finish() {
  auto end = FinishBase();
  HANGAR_ASSIGN_OR_RETURN(auto children, FinishChildren(*type_, children_));
  HANGAR_RETURN_NOT_OK(end.status);
  if (type_->id() != TypeId::kFixedSizeList)
    return Status::Invalid("a fixed_size_list builder cannot build " + type_->ToString());
  const int64_t want = end.length * list_size();
  if (children[0]->length != want) return ChildLengthMismatch(*type_, 0, children[0]->length, want, "list values");
  return MakeArray(type_, end.length, {std::move(end.validity)}, std::move(children), end.null_count);
}

// --- UnionBuilder ------------------------------------------------------------------

UnionBuilder::UnionBuilder(TypePtr type, std::vector<std::unique_ptr<ArrayBuilder>> children)
    : ArrayBuilder(std::move(type)), dense_(type_->id() == TypeId::kDenseUnion) {
  children_ = std::move(children);
  child_of_code_.fill(-1);
  const auto& codes = type_->type_codes();
  for (size_t i = 0; i < codes.size() && i < children_.size(); ++i) {
    if (codes[i] >= 0) child_of_code_[static_cast<size_t>(codes[i])] = static_cast<int>(i);
  }
  selected_.assign(children_.size(), 0);
}

Status UnionBuilder::UnknownCode(int8_t type_code) const {
  return Status::Invalid("type code " + std::to_string(type_code) + " is not in " + type_->ToString());
}

void UnionBuilder::PadOtherChildren(int chosen) {
  for (size_t i = 0; i < children_.size(); ++i) {
    if (static_cast<int>(i) != chosen) children_[i]->AppendNull();
  }
}

void UnionBuilder::AppendNull() {
  if (children_.empty() || type_->type_codes().empty()) {
    SetDeferredError(Status::Invalid(type_->ToString() + " has no child to hold a null"));
    return;
  }
  if (Status st = Append(type_->type_codes()[0]); !st.ok()) {
    SetDeferredError(std::move(st));
    return;
  }
  children_[0]->AppendNull();
}

void UnionBuilder::Reserve(int64_t n) {
  type_ids_.Reserve(type_ids_.size() + n);
  if (dense_) offsets_.Reserve(offsets_.size() + 4 * n);
}

Result<ArrayPtr> UnionBuilder::Finish() {
  auto end = FinishBase();
  std::vector<BufferPtr> buffers{type_ids_.Finish()};
  if (dense_) buffers.push_back(offsets_.Finish());
  std::vector<int64_t> selected(children_.size(), 0);
  selected.swap(selected_);
  HANGAR_ASSIGN_OR_RETURN(auto children, FinishChildren(*type_, children_));
  HANGAR_RETURN_NOT_OK(end.status);
  if (!type_->is_union()) return Status::Invalid("a union builder cannot build " + type_->ToString());
  for (size_t i = 0; i < children.size(); ++i) {
    const int64_t want = dense_ ? selected[i] : end.length;
    if (children[i]->length != want)
      return ChildLengthMismatch(*type_, static_cast<int>(i), children[i]->length, want,
                                 dense_ ? "slots that chose it" : "slots");
  }
  return MakeArray(type_, end.length, std::move(buffers), std::move(children), 0);
}

}  // namespace hangar::arrow
