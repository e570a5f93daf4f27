// BytesMemoTable: assigns consecutive indices to distinct byte strings.
//
// The memo behind dictionary encoding: binary values are keyed by their
// bytes, fixed-width values (integers, floats, decimals, ...) by their
// little-endian bytes. Values are stored once, contiguously, and the hash
// table holds only (hash, index) pairs, so a lookup of a value that is
// already known allocates nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hangar::arrow {

class BytesMemoTable {
 public:
  BytesMemoTable();

  // The index of `value`, inserting it with the next index when it is new
  // (then *inserted is true). Returns -1 without inserting when a new value
  // would get an index of `limit` or more.
  int64_t GetOrInsert(std::string_view value, int64_t limit, bool* inserted);
  // The index of `value`, or -1.
  int64_t Find(std::string_view value) const;

  int64_t size() const { return static_cast<int64_t>(ends_.size()); }
  std::string_view value(int64_t index) const {
    const size_t begin = index == 0 ? 0 : static_cast<size_t>(ends_[static_cast<size_t>(index) - 1]);
    return std::string_view(data_).substr(begin, static_cast<size_t>(ends_[static_cast<size_t>(index)]) - begin);
  }
  // All values back to back, in index order; value i ends at end(i).
  std::string_view data() const { return data_; }
  int64_t end(int64_t index) const { return ends_[static_cast<size_t>(index)]; }
  void Clear();

 private:
  struct Slot {
    uint64_t hash = 0;
    int64_t index = -1;  // -1: empty
  };
  static uint64_t Hash(std::string_view value);
  size_t Probe(std::string_view value, uint64_t hash) const;  // slot holding value, or the empty slot to use
  void Grow();

  std::vector<Slot> slots_;    // power-of-two size, at most half full
  std::string data_;           // the values, back to back
  std::vector<int64_t> ends_;  // end of value i in data_
};

}  // namespace hangar::arrow
