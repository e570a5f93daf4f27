// ArrayBuilder: the base of every builder (see builder.h for the family).
//
// A builder accumulates values in growable buffers and hands them over as an
// Array on Finish(), without copying. The base class owns what every layout
// with a validity bitmap shares: the length, the null count and the bitmap.
//
// The bitmap is created lazily, on the first null: until then a valid append
// only bumps the length, so the hot path of a column without nulls touches
// one buffer instead of two, and such a column finishes without a bitmap
// (nullptr), as the format allows.
//
// Appends that cannot fail cheaply report misuse (a value that does not fit
// the type, offsets that overflow) from Finish() instead, so that the inline
// append paths stay branch-light; the first such error wins.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "arrow/array.h"
#include "base/status.h"

namespace hangar::arrow {

class ArrayBuilder {
 public:
  explicit ArrayBuilder(TypePtr type) : type_(std::move(type)) {}
  virtual ~ArrayBuilder() = default;
  ArrayBuilder(const ArrayBuilder&) = delete;
  ArrayBuilder& operator=(const ArrayBuilder&) = delete;

  const TypePtr& type() const { return type_; }
  // Slots appended since the last Finish().
  int64_t length() const { return length_; }
  int64_t null_count() const { return null_count_; }

  virtual void AppendNull() = 0;
  // `n` nulls (nothing for n <= 0); builders override this with bulk paths.
  virtual void AppendNulls(int64_t n);
  // A capacity hint for `n` more slots.
  virtual void Reserve(int64_t /*n*/) {}
  // The array of everything appended so far; resets the builder (and its
  // children) to empty for reuse, also when it returns an error.
  virtual Result<ArrayPtr> Finish() = 0;

  // Child builders of nested types (empty for flat ones).
  int num_children() const { return static_cast<int>(children_.size()); }
  ArrayBuilder* child(int i) const { return children_[static_cast<size_t>(i)].get(); }

 protected:
  // One valid slot.
  void AppendValid() {
    if (bitmap_active_) [[unlikely]]
      PushValidityBit(true);
    ++length_;
  }
  // One null slot.
  void AppendInvalid() {
    if (!bitmap_active_) [[unlikely]]
      ActivateBitmap();
    PushValidityBit(false);
    ++null_count_;
    ++length_;
  }
  // `n` valid or null slots at once.
  void AppendValidRange(int64_t n);
  void AppendInvalidRange(int64_t n);

  // Remembers the first error of an append that could not report it.
  void SetDeferredError(Status status) {
    if (deferred_.ok()) deferred_ = std::move(status);
  }

  // Ends a batch: returns the bitmap (nullptr when no slot was null) and the
  // deferred error, and resets length, null count and the error.
  struct Ending {
    int64_t length;
    int64_t null_count;
    BufferPtr validity;
    Status status;
  };
  Ending FinishBase();

  TypePtr type_;
  int64_t length_ = 0;
  int64_t null_count_ = 0;
  std::vector<std::unique_ptr<ArrayBuilder>> children_;

 private:
  void PushValidityBit(bool valid) {
    if ((length_ & 7) == 0) validity_.AppendValue<uint8_t>(0);
    if (valid) validity_.data()[length_ >> 3] |= static_cast<uint8_t>(1u << (length_ & 7));
  }
  // Materializes the bitmap with every slot so far valid.
  void ActivateBitmap();

  bool bitmap_active_ = false;
  // Only ever written while active, and moved out by FinishBase(): its bytes
  // past size() are therefore always zero.
  MutableBuffer validity_;
  Status deferred_;
};

}  // namespace hangar::arrow
