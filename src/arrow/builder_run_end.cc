#include "arrow/builder_run_end.h"

#include <cstring>
#include <limits>

#include "arrow/builder.h"

namespace hangar::arrow {

RunEndEncodedBuilder::RunEndEncodedBuilder(TypePtr type, std::unique_ptr<ArrayBuilder> values)
    : ArrayBuilder(std::move(type)) {
  children_.push_back(std::move(values));
  const DataType& t = *type_;
  const TypeId re =
      t.id() == TypeId::kRunEndEncoded && t.num_children() == 2 ? t.child(0)->type()->id() : TypeId::kNull;
  switch (re) {
    case TypeId::kInt16:
      run_end_limit_ = std::numeric_limits<int16_t>::max();
      run_end_width_ = 2;
      break;
    case TypeId::kInt32:
      run_end_limit_ = std::numeric_limits<int32_t>::max();
      run_end_width_ = 4;
      break;
    case TypeId::kInt64:
      run_end_limit_ = std::numeric_limits<int64_t>::max();
      run_end_width_ = 8;
      break;
    default:
      SetDeferredError(Status::Invalid("a run-end encoded builder cannot build " + t.ToString()));
      run_end_limit_ = std::numeric_limits<int64_t>::max();
      run_end_width_ = 8;
  }
}

Status RunEndEncodedBuilder::AddRun(int64_t n) {
  if (n > run_end_limit_ - length_)
    return Status::Invalid("run ends outgrew " + type_->child(0)->type()->ToString() + " at " +
                           std::to_string(length_) + " + " + std::to_string(n) + " values");
  length_ += n;
  ++runs_;
  run_ends_.Append(&length_, run_end_width_);  // little-endian: the low bytes
  return Status::OK();
}

Status RunEndEncodedBuilder::Extend(int64_t n) {
  if (n > run_end_limit_ - length_)
    return Status::Invalid("run ends outgrew " + type_->child(0)->type()->ToString() + " at " +
                           std::to_string(length_) + " + " + std::to_string(n) + " values");
  length_ += n;
  std::memcpy(run_ends_.data() + run_ends_.size() - run_end_width_, &length_, static_cast<size_t>(run_end_width_));
  return Status::OK();
}

Status RunEndEncodedBuilder::Append(std::string_view value, int64_t n) {
  if (n < 1) return Status::Invalid("a run has at least one value, got " + std::to_string(n));
  if (last_ == Last::kBytes && value == last_bytes_) return Extend(n);
  if (n > run_end_limit_ - length_)
    return Status::Invalid("run ends outgrew " + type_->child(0)->type()->ToString() + " at " +
                           std::to_string(length_) + " + " + std::to_string(n) + " values");
  HANGAR_RETURN_NOT_OK(AppendBytes(value_builder(), value));
  last_bytes_.assign(value);
  last_ = Last::kBytes;
  return AddRun(n);
}

void RunEndEncodedBuilder::AppendNulls(int64_t n) {
  if (n <= 0) return;
  if (last_ == Last::kNull) {
    if (Status st = Extend(n); !st.ok()) SetDeferredError(std::move(st));
    return;
  }
  if (n > run_end_limit_ - length_) {
    SetDeferredError(Status::Invalid("run ends outgrew " + type_->child(0)->type()->ToString() + " at " +
                                     std::to_string(length_) + " + " + std::to_string(n) + " values"));
    return;
  }
  value_builder()->AppendNull();
  (void)AddRun(n);  // cannot fail: checked above
  last_ = Last::kNull;
}

Status RunEndEncodedBuilder::AppendRun(int64_t n) {
  if (n < 1) return Status::Invalid("a run has at least one value, got " + std::to_string(n));
  if (value_builder()->length() != runs_ + 1)
    return Status::Invalid("append exactly the run's value to value_builder() before AppendRun (it has " +
                           std::to_string(value_builder()->length()) + " values for " + std::to_string(runs_ + 1) +
                           " runs)");
  HANGAR_RETURN_NOT_OK(AddRun(n));
  last_ = Last::kOpaque;
  return Status::OK();
}

Status RunEndEncodedBuilder::ExtendRun(int64_t n) {
  if (runs_ == 0) return Status::Invalid("no run to extend");
  if (n < 0) return Status::Invalid("cannot extend a run by " + std::to_string(n) + " values");
  return Extend(n);
}

Result<ArrayPtr> RunEndEncodedBuilder::Finish() {
  const int64_t runs = runs_;
  auto end = FinishBase();
  BufferPtr run_ends = run_ends_.Finish();
  runs_ = 0;
  last_ = Last::kNone;
  last_bytes_.clear();
  auto values = children_[0]->Finish();
  HANGAR_RETURN_NOT_OK(end.status);
  if (!values.ok()) return values.status().WithContext(type_->ToString() + " values");
  if ((*values)->length != runs)
    return Status::Invalid(type_->ToString() + " builder: values has " + std::to_string((*values)->length) +
                           " values for " + std::to_string(runs) + " runs");
  auto ends = MakeArray(type_->child(0)->type(), runs, {nullptr, std::move(run_ends)}, {}, 0);
  return MakeArray(type_, end.length, {}, {std::move(ends), std::move(values).value()}, 0);
}

}  // namespace hangar::arrow
