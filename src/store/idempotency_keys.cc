#include "store/idempotency_keys.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iterator>

#include "base/raw_bytes.h"

namespace hangar::store {

namespace {

constexpr size_t kHeaderBytes = 8;      // key length, CRC
constexpr size_t kBodyFixedBytes = 16;  // LSN, time
constexpr uint32_t kMaxKey = 1u << 16;

void Encode(std::string& out, const std::string& key, uint64_t lsn, int64_t time_us) {
  std::string body;
  PutRaw<uint64_t>(body, lsn);
  PutRaw<int64_t>(body, time_us);
  body += key;
  PutRaw<uint32_t>(out, static_cast<uint32_t>(key.size()));
  PutRaw<uint32_t>(out, Crc32(body));
  out += body;
}

}  // namespace

Result<std::unique_ptr<IdempotencyKeys>> IdempotencyKeys::Open(const fs::path& dir, std::chrono::seconds window,
                                                               bool fsync) {
  std::unique_ptr<IdempotencyKeys> keys(new IdempotencyKeys(dir / kFileName, window, fsync));
  std::error_code ec;
  if (!fs::exists(keys->file_, ec)) return keys;
  HANGAR_ASSIGN_OR_RETURN(auto bytes, ReadWholeFile(keys->file_));
  size_t pos = 0;
  while (bytes.size() - pos >= kHeaderBytes + kBodyFixedBytes) {
    const char* h = bytes.data() + pos;
    const uint32_t key_length = GetRaw<uint32_t>(h), crc = GetRaw<uint32_t>(h + 4);
    if (key_length > kMaxKey || bytes.size() - pos - kHeaderBytes - kBodyFixedBytes < key_length) break;
    std::string_view body(h + kHeaderBytes, kBodyFixedBytes + key_length);
    if (Crc32(body) != crc) break;
    keys->Remember(std::string(body.substr(kBodyFixedBytes)), GetRaw<uint64_t>(body.data()),
                   GetRaw<int64_t>(body.data() + 8));
    ++keys->file_records_;
    pos += kHeaderBytes + body.size();
  }
  // What follows the last whole record is an append a crash interrupted;
  // its keys are still in the write-ahead log.
  if (pos < bytes.size()) {
    if (::truncate(keys->file_.c_str(), static_cast<off_t>(pos)) != 0)
      return IoError("cannot cut the idempotency key file", keys->file_, errno);
    if (fsync) HANGAR_RETURN_NOT_OK(FsyncFile(keys->file_));
  }
  return keys;
}

std::optional<uint64_t> IdempotencyKeys::Find(const std::string& key) const {
  auto it = keys_.find(key);
  if (it == keys_.end()) return std::nullopt;
  return it->second.lsn;
}

bool IdempotencyKeys::Remember(const std::string& key, uint64_t lsn, int64_t time_us) {
  auto [it, added] = keys_.try_emplace(key, Entry{lsn, time_us});
  if (!added) return false;
  by_age_.push_back(&it->first);
  return true;
}

void IdempotencyKeys::Add(const std::string& key, uint64_t lsn, int64_t time_us) {
  if (Remember(key, lsn, time_us)) unpersisted_.emplace(lsn, &keys_.find(key)->first);
}

void IdempotencyKeys::Expire(int64_t now_us) {
  while (!by_age_.empty()) {
    auto it = keys_.find(*by_age_.front());
    if (it != keys_.end()) {
      if (it->second.time_us >= now_us - window_us_) break;
      unpersisted_.erase(it->second.lsn);
      keys_.erase(it);
    }
    by_age_.pop_front();
  }
}

Status IdempotencyKeys::Persist(uint64_t upto, int64_t now_us) {
  Expire(now_us);
  const auto end = unpersisted_.upper_bound(upto);
  const auto added = static_cast<int64_t>(std::distance(unpersisted_.begin(), end));
  // Mostly expired records: write the live ones afresh instead of adding.
  const bool rewrite = file_records_ + added > 2 * static_cast<int64_t>(keys_.size()) + 1024;
  if (added == 0 && !rewrite) return Status::OK();
  if (rewrite) {
    HANGAR_RETURN_NOT_OK(Rewrite(upto));
  } else {
    std::string bytes;
    for (auto it = unpersisted_.begin(); it != end; ++it) {
      const Entry& entry = keys_.at(*it->second);
      Encode(bytes, *it->second, entry.lsn, entry.time_us);
    }
    HANGAR_RETURN_NOT_OK(AppendToFile(file_, bytes, fsync_, "the idempotency key file"));
    file_records_ += added;
  }
  unpersisted_.erase(unpersisted_.begin(), end);
  return Status::OK();
}

Status IdempotencyKeys::Rewrite(uint64_t upto) {
  // Every key kept whose batch is at most `upto` or no longer in the log.
  std::string bytes;
  int64_t records = 0;
  for (const auto& [key, entry] : keys_) {
    if (entry.lsn > upto && unpersisted_.contains(entry.lsn)) continue;
    Encode(bytes, key, entry.lsn, entry.time_us);
    ++records;
  }
  HANGAR_RETURN_NOT_OK(WriteFileAtomic(file_, bytes));
  file_records_ = records;
  return Status::OK();
}

}  // namespace hangar::store
