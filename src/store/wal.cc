#include "store/wal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/raw_bytes.h"
#include "store/store_metrics.h"

namespace hangar::store {

namespace {

constexpr size_t kHeaderBytes = 28;
// Idempotency keys are short names; anything longer is corruption.
constexpr uint32_t kMaxKey = 1u << 16;
// A record larger than this is corruption, not data (a batch is far smaller).
constexpr uint32_t kMaxPayload = 1u << 30;

// A record's checksum covers its LSN, table id, key and payload, in that
// order. The payload's part is passed in, as it is taken apart (see Append).
uint32_t Checksum(uint64_t lsn, uint64_t table_id, std::string_view key, uint32_t payload_crc, int64_t payload_size) {
  std::string header;
  PutRaw<uint64_t>(header, lsn);
  PutRaw<uint64_t>(header, table_id);
  PutRaw<uint32_t>(header, static_cast<uint32_t>(key.size()));
  return Crc32Combine(Crc32(key, Crc32(header)), payload_crc, payload_size);
}

std::string SegmentName(uint64_t first_lsn) {
  std::string digits = std::to_string(first_lsn);
  return std::string(20 - digits.size(), '0') + digits + ".wal";
}

// The first LSN a segment's name gives, or 0 if it is not a segment's name.
uint64_t FirstLsnOf(const fs::path& path) {
  const std::string name = path.filename().string();
  if (name.size() != 24 || !name.ends_with(".wal")) return 0;
  uint64_t lsn = 0;
  for (size_t i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return 0;
    lsn = lsn * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  return lsn;
}

// A record's header, key and payload, parsed from `bytes` at `pos`: its size,
// or 0 with `cut` saying why the bytes there are not a record.
struct ParsedRecord {
  uint64_t lsn = 0, table_id = 0;
  std::string_view key, payload;
  size_t size = 0;
};

ParsedRecord ParseRecord(std::string_view bytes, size_t pos, std::string* cut) {
  ParsedRecord r;
  if (bytes.size() - pos < kHeaderBytes) {
    *cut = "a torn record header";
    return r;
  }
  const char* h = bytes.data() + pos;
  const uint32_t length = GetRaw<uint32_t>(h), crc = GetRaw<uint32_t>(h + 4);
  r.lsn = GetRaw<uint64_t>(h + 8);
  r.table_id = GetRaw<uint64_t>(h + 16);
  const uint32_t key_length = GetRaw<uint32_t>(h + 24);
  if (length > kMaxPayload || key_length > kMaxKey) {
    *cut = "a record claiming " + std::to_string(length) + " + " + std::to_string(key_length) + " bytes";
    return r;
  }
  if (bytes.size() - pos - kHeaderBytes < size_t{length} + key_length) {
    *cut = "a torn record (LSN " + std::to_string(r.lsn) + ")";
    return r;
  }
  r.key = std::string_view(h + kHeaderBytes, key_length);
  r.payload = std::string_view(h + kHeaderBytes + key_length, length);
  if (Checksum(r.lsn, r.table_id, r.key, Crc32(r.payload), static_cast<int64_t>(r.payload.size())) != crc) {
    *cut = "a record whose checksum does not match";
    return r;
  }
  r.size = kHeaderBytes + key_length + length;
  return r;
}

}  // namespace

WalSegmentFile::~WalSegmentFile() {
  if (fd_ >= 0) ::close(fd_);
}

Result<WalRecord> ReadWalRecord(const WalRecordRef& ref) {
  std::string bytes(static_cast<size_t>(ref.size), '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pread(ref.segment->fd(), bytes.data() + done, bytes.size() - done,
                              static_cast<off_t>(ref.offset + static_cast<int64_t>(done)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("cannot read the write-ahead log", ref.segment->path(), errno);
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  std::string cut;
  const ParsedRecord r = ParseRecord(std::string_view(bytes.data(), done), 0, &cut);
  if (r.size != bytes.size())
    return Status::DataLoss("write-ahead log record at byte " + std::to_string(ref.offset) + " of " +
                            ref.segment->path().filename().string() +
                            " cannot be read back: " + (cut.empty() ? "its size changed" : cut));
  return WalRecord{r.lsn, r.table_id, std::string(r.key), std::string(r.payload), ref};
}

Result<std::unique_ptr<WriteAheadLog>> WriteAheadLog::Open(WalOptions options, const Replay& replay,
                                                           WalOpenReport* report) {
  std::unique_ptr<WriteAheadLog> wal(new WriteAheadLog(std::move(options)));
  WalOpenReport local;
  WalOpenReport& r = report ? *report : local;
  r = WalOpenReport{};
  HANGAR_RETURN_NOT_OK(CreateDirectories(wal->options_.dir));
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(wal->options_.dir, ec)) {
    if (const uint64_t first = FirstLsnOf(entry.path()); first > 0)
      wal->segments_.push_back(Segment{first, entry.path(), 0});
  }
  if (ec) return IoError("cannot list the write-ahead log", wal->options_.dir, ec.value());
  std::sort(wal->segments_.begin(), wal->segments_.end(),
            [](const Segment& a, const Segment& b) { return a.first_lsn < b.first_lsn; });

  uint64_t expected = wal->segments_.empty() ? 1 : wal->segments_.front().first_lsn;
  for (size_t s = 0; s < wal->segments_.size(); ++s) {
    const uint64_t first = wal->segments_[s].first_lsn;
    const fs::path path = wal->segments_[s].path;
    // Segments follow one another: a gap means records are missing.
    std::string cut;
    const bool gap = first != expected;
    if (gap)
      cut = "segment " + path.filename().string() + " starts at LSN " + std::to_string(first) + " where " +
            std::to_string(expected) + " was due";
    std::string bytes;
    // Open for reading while a replayed record refers to it (WalRecord::ref).
    std::shared_ptr<WalSegmentFile> file;
    if (cut.empty()) {
      HANGAR_ASSIGN_OR_RETURN(bytes, ReadWholeFile(path));
      const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return IoError("cannot open a log segment", path, errno);
      file = std::make_shared<WalSegmentFile>(fd, path);
    }
    size_t pos = 0;
    while (cut.empty() && pos < bytes.size()) {
      const ParsedRecord record = ParseRecord(bytes, pos, &cut);
      if (record.size == 0) break;
      if (record.lsn != expected) {
        cut = "LSN " + std::to_string(record.lsn) + " where " + std::to_string(expected) + " was due";
        break;
      }
      if (replay)
        HANGAR_RETURN_NOT_OK(
            replay(WalRecord{record.lsn, record.table_id, std::string(record.key), std::string(record.payload),
                             WalRecordRef{file, static_cast<int64_t>(pos), static_cast<int64_t>(record.size)}}));
      ++r.records;
      r.last_lsn = record.lsn;
      expected = record.lsn + 1;
      pos += record.size;
    }
    wal->segments_[s].bytes = static_cast<int64_t>(pos);
    if (cut.empty()) continue;
    // The log ends here. A segment that does not follow on is dropped
    // whole; a bad record is cut off with everything after it.
    r.cut_reason = cut + " in " + path.filename().string() + " at byte " + std::to_string(pos);
    size_t keep = s + 1;
    if (gap) {
      keep = s;
    } else {
      r.bytes_cut += static_cast<int64_t>(bytes.size() - pos);
      if (::truncate(path.c_str(), static_cast<off_t>(pos)) != 0) return IoError("cannot cut the log", path, errno);
      HANGAR_RETURN_NOT_OK(FsyncFile(path));
    }
    for (size_t later = keep; later < wal->segments_.size(); ++later) {
      r.bytes_cut += static_cast<int64_t>(fs::file_size(wal->segments_[later].path, ec));
      HANGAR_RETURN_NOT_OK(RemoveAll(wal->segments_[later].path));
    }
    wal->segments_.resize(keep);
    HANGAR_RETURN_NOT_OK(FsyncDirectory(wal->options_.dir));
    break;
  }
  if (r.last_lsn == 0 && expected > 1) r.last_lsn = expected - 1;  // only empty segments: their names count
  wal->next_lsn_ = expected;
  wal->durable_lsn_ = expected - 1;
  for (const auto& segment : wal->segments_) wal->bytes_ += segment.bytes;

  // Appends go to a fresh segment: what is on disk stays as it was read.
  HANGAR_RETURN_NOT_OK(wal->OpenSegment(expected));
  wal->writer_ = std::thread([w = wal.get()] { w->WriterLoop(); });
  return wal;
}

WriteAheadLog::~WriteAheadLog() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_.notify_all();
  if (writer_.joinable()) writer_.join();
}

Status WriteAheadLog::OpenSegment(uint64_t first_lsn) {
  const fs::path path = options_.dir / SegmentName(first_lsn);
  // Read as well as written: records are read back by reference (WalRecordRef).
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("cannot create a log segment", path, errno);
  auto file = std::make_shared<WalSegmentFile>(fd, path);
  if (options_.fsync) HANGAR_RETURN_NOT_OK(FsyncDirectory(options_.dir));
  segment_ = std::move(file);
  segment_size_ = static_cast<int64_t>(::lseek(fd, 0, SEEK_END));
  std::lock_guard lock(mu_);
  if (segments_.empty() || segments_.back().path != path) segments_.push_back(Segment{first_lsn, path, segment_size_});
  return Status::OK();
}

uint64_t WriteAheadLog::Append(uint64_t table_id, std::string_view key, std::string_view payload, Durable on_durable) {
  const std::string_view pieces[] = {payload};
  return Append(table_id, key, pieces, std::move(on_durable));
}

uint64_t WriteAheadLog::Append(uint64_t table_id, std::string_view key, std::span<const std::string_view> payload,
                               Durable on_durable, Located on_located) {
  // The payload's checksum, most of the work, is taken before the lock, so
  // that concurrent appends do not queue behind it; the LSN's part joins it
  // under the lock.
  uint32_t payload_crc = 0;
  int64_t payload_size = 0;
  for (std::string_view piece : payload) {
    payload_crc = Crc32Combine(payload_crc, Crc32(piece), static_cast<int64_t>(piece.size()));
    payload_size += static_cast<int64_t>(piece.size());
  }
  std::unique_lock lock(mu_);
  const uint64_t lsn = next_lsn_++;
  const auto offset = static_cast<int64_t>(buffer_.size());
  PutRaw<uint32_t>(buffer_, static_cast<uint32_t>(payload_size));
  PutRaw<uint32_t>(buffer_, Checksum(lsn, table_id, key, payload_crc, payload_size));
  PutRaw<uint64_t>(buffer_, lsn);
  PutRaw<uint64_t>(buffer_, table_id);
  PutRaw<uint32_t>(buffer_, static_cast<uint32_t>(key.size()));
  buffer_ += key;
  for (std::string_view piece : payload) buffer_ += piece;
  const int64_t size = static_cast<int64_t>(buffer_.size()) - offset;
  bytes_ += size;
  pending_.push_back({lsn, std::move(on_durable), std::move(on_located), offset, size});
  lock.unlock();
  work_.notify_one();
  return lsn;
}

Status WriteAheadLog::WriteGroup(const std::string& bytes) {
  HANGAR_RETURN_NOT_OK(WriteAll(segment_->fd(), bytes, "cannot write the write-ahead log", segment_->path()));
  segment_size_ += static_cast<int64_t>(bytes.size());
  if (options_.fsync && ::fdatasync(segment_->fd()) != 0)
    return IoError("cannot sync the write-ahead log", segment_->path(), errno);
  return Status::OK();
}

void WriteAheadLog::WriterLoop() {
  // Two buffers take turns: appends fill one while the other is written,
  // and each keeps its capacity (appends do not grow a fresh string).
  constexpr size_t kKeptCapacity = size_t{64} << 20;
  std::string bytes;
  std::unique_lock lock(mu_);
  while (true) {
    work_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) return;  // stopping, and everything written
    std::vector<Pending> group;
    bytes.clear();
    if (bytes.capacity() > kKeptCapacity) bytes.shrink_to_fit();
    bytes.swap(buffer_);
    group.swap(pending_);
    Status st = failed_;
    lock.unlock();
    // Segments roll over between groups, so a record never spans two.
    if (st.ok() && segment_size_ > 0 && segment_size_ + static_cast<int64_t>(bytes.size()) > options_.segment_bytes)
      st = OpenSegment(group.front().lsn);
    const int64_t base = segment_size_;  // where the group starts in the segment
    if (st.ok()) {
      const auto started = std::chrono::steady_clock::now();
      st = WriteGroup(bytes);
      StoreMetrics::Get().WalGroup(static_cast<int64_t>(group.size()), static_cast<int64_t>(bytes.size()),
                                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    lock.lock();
    if (st.ok()) {
      durable_lsn_ = group.back().lsn;
      ++syncs_;
      segments_.back().bytes = segment_size_;
    } else if (failed_.ok()) {
      failed_ = st;  // a failed write leaves the file in an unknown state: nothing more is taken
    }
    durable_.notify_all();
    // AfterDurable callbacks whose record this sync covered (or that the
    // failure concerns) run after the group's own, which they follow.
    std::vector<Pending> after;
    auto covered = std::partition(waiting_.begin(), waiting_.end(),
                                  [&](const Pending& p) { return p.lsn > durable_lsn_ && failed_.ok(); });
    after.assign(std::make_move_iterator(covered), std::make_move_iterator(waiting_.end()));
    waiting_.erase(covered, waiting_.end());
    const uint64_t durable = durable_lsn_;
    lock.unlock();
    for (auto& p : group) {
      if (p.on_located) p.on_located(st.ok() ? WalRecordRef{segment_, base + p.offset, p.size} : WalRecordRef{});
      if (p.on_durable) p.on_durable(p.lsn, st);
    }
    for (auto& p : after) p.on_durable(p.lsn, p.lsn <= durable ? Status::OK() : st);
    lock.lock();
  }
}

void WriteAheadLog::AfterDurable(uint64_t lsn, Durable on_durable) {
  Status st;
  {
    std::lock_guard lock(mu_);
    if (durable_lsn_ < lsn && failed_.ok()) {
      waiting_.push_back({lsn, std::move(on_durable), nullptr, 0, 0});
      return;
    }
    st = durable_lsn_ >= lsn ? Status::OK() : failed_;
  }
  on_durable(lsn, st);
}

Status WriteAheadLog::WaitDurable(uint64_t lsn) {
  std::unique_lock lock(mu_);
  durable_.wait(lock, [&] { return durable_lsn_ >= lsn || !failed_.ok(); });
  return durable_lsn_ >= lsn ? Status::OK() : failed_;
}

uint64_t WriteAheadLog::durable_lsn() const {
  std::lock_guard lock(mu_);
  return durable_lsn_;
}

uint64_t WriteAheadLog::last_lsn() const {
  std::lock_guard lock(mu_);
  return next_lsn_ - 1;
}

int64_t WriteAheadLog::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

int64_t WriteAheadLog::syncs() const {
  std::lock_guard lock(mu_);
  return syncs_;
}

Status WriteAheadLog::Truncate(uint64_t lsn) {
  std::vector<fs::path> doomed;
  {
    std::lock_guard lock(mu_);
    // Segment i holds LSNs [first_i, first_{i+1}): gone once first_{i+1} - 1 <= lsn.
    size_t drop = 0;
    while (drop + 1 < segments_.size() && segments_[drop + 1].first_lsn <= lsn + 1) ++drop;
    for (size_t i = 0; i < drop; ++i) {
      doomed.push_back(segments_[i].path);
      bytes_ -= segments_[i].bytes;
    }
    segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(drop));
  }
  for (const auto& path : doomed) HANGAR_RETURN_NOT_OK(RemoveAll(path));
  if (!doomed.empty() && options_.fsync) HANGAR_RETURN_NOT_OK(FsyncDirectory(options_.dir));
  return Status::OK();
}

}  // namespace hangar::store
