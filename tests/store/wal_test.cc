// The write-ahead log on real files: LSNs, replay, group commit, segments,
// truncation, and torn or corrupt tails cut and reported.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "store/wal.h"
#include "store_test_util.h"

namespace hangar::store {
namespace {

using testing::TempDir;

std::vector<WalRecord> Replayed(const fs::path& dir, WalOpenReport* report = nullptr, WalOptions options = {}) {
  std::vector<WalRecord> records;
  options.dir = dir;
  auto wal = WriteAheadLog::Open(
      options,
      [&](WalRecord r) {
        records.push_back(std::move(r));
        return Status::OK();
      },
      report);
  EXPECT_TRUE(wal.ok()) << wal.status().ToString();
  return records;
}

std::vector<fs::path> Segments(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(WriteAheadLog, RecordsComeBackInOrderWithTheirLsns) {
  TempDir dir;
  {
    auto wal = WriteAheadLog::Open({dir.path()}, nullptr).value();
    for (int i = 0; i < 100; ++i)
      EXPECT_EQ(wal->Append(i % 3, i % 2 ? "key " + std::to_string(i) : "", "batch " + std::to_string(i)),
                static_cast<uint64_t>(i + 1));
    ASSERT_TRUE(wal->WaitDurable(100).ok());
    EXPECT_EQ(wal->durable_lsn(), 100u);
  }
  WalOpenReport report;
  auto records = Replayed(dir.path(), &report);
  ASSERT_EQ(records.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(records[i].lsn, static_cast<uint64_t>(i + 1));
    EXPECT_EQ(records[i].table_id, static_cast<uint64_t>(i % 3));
    EXPECT_EQ(records[i].key, i % 2 ? "key " + std::to_string(i) : "");
    EXPECT_EQ(records[i].payload, "batch " + std::to_string(i));
  }
  EXPECT_EQ(report.last_lsn, 100u);
  EXPECT_EQ(report.bytes_cut, 0);
  // LSNs go on after a restart.
  auto wal = WriteAheadLog::Open({dir.path()}, nullptr).value();
  EXPECT_EQ(wal->Append(0, "", "more"), 101u);
}

// A payload appended in pieces is the same record, byte for byte, as the
// pieces joined (its checksum is taken piece by piece and combined).
TEST(WriteAheadLog, APayloadInPiecesIsTheRecordOfThePiecesJoined) {
  TempDir joined, pieces;
  const std::string head = "a head of 13 ", body(100'000, 'b');
  {
    auto wal = WriteAheadLog::Open({joined.path()}, nullptr).value();
    wal->Append(7, "key", head + body);
    wal->Append(7, "", "");
    ASSERT_TRUE(wal->WaitDurable(2).ok());
  }
  {
    auto wal = WriteAheadLog::Open({pieces.path()}, nullptr).value();
    const std::string_view parts[] = {head, "", body};
    wal->Append(7, "key", parts);
    wal->Append(7, "", std::span<const std::string_view>());
    ASSERT_TRUE(wal->WaitDurable(2).ok());
  }
  auto bytes = [](const fs::path& dir) {
    std::ifstream in(Segments(dir).at(0), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_EQ(bytes(joined.path()), bytes(pieces.path()));
  auto records = Replayed(pieces.path());
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].payload, head + body);
  EXPECT_EQ(records[1].payload, "");
}

TEST(WriteAheadLog, OneSyncCoversEveryWriterThatWaited) {
  TempDir dir;
  auto wal = WriteAheadLog::Open({dir.path()}, nullptr).value();
  constexpr int kThreads = 8, kEach = 200;
  std::atomic<int> acked = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const uint64_t lsn =
            wal->Append(t, "", std::string(1000, static_cast<char>('a' + t)), [&](uint64_t, const Status& st) {
              if (st.ok()) ++acked;
            });
        ASSERT_TRUE(wal->WaitDurable(lsn).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  // Writers that wait for each record still share fsyncs.
  EXPECT_LT(wal->syncs(), kThreads * kEach);
  wal.reset();  // the writer thread has run every callback
  EXPECT_EQ(acked.load(), kThreads * kEach);
  EXPECT_EQ(Replayed(dir.path()).size(), static_cast<size_t>(kThreads * kEach));
}

TEST(WriteAheadLog, AfterDurableRunsOnceTheRecordIsSynced) {
  TempDir dir;
  auto wal = WriteAheadLog::Open({dir.path()}, nullptr).value();
  const uint64_t first = wal->Append(1, "k", "one");
  ASSERT_TRUE(wal->WaitDurable(first).ok());
  std::vector<uint64_t> order;
  std::mutex mu;
  auto note = [&](uint64_t lsn, const Status& st) {
    EXPECT_TRUE(st.ok());
    std::lock_guard lock(mu);
    order.push_back(lsn);
  };
  wal->AfterDurable(first, note);  // durable already: at once
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(order, std::vector<uint64_t>{first});
  }
  const uint64_t second = wal->Append(1, "", "two", note);
  wal->AfterDurable(second, note);  // after the record's own callback
  ASSERT_TRUE(wal->WaitDurable(second).ok());
  wal.reset();
  EXPECT_EQ(order, (std::vector<uint64_t>{first, second, second}));
}

TEST(WriteAheadLog, SegmentsRollOverAndTruncateKeepsLsnsGrowing) {
  TempDir dir;
  WalOptions options{dir.path(), 4096};
  {
    auto wal = WriteAheadLog::Open(options, nullptr).value();
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(wal->WaitDurable(wal->Append(1, "", std::string(1000, 'x'))).ok());
    EXPECT_GT(Segments(dir.path()).size(), 5u);
    ASSERT_TRUE(wal->Truncate(50).ok());  // everything flushed: only the newest segment stays
    EXPECT_EQ(Segments(dir.path()).size(), 1u);
  }
  WalOpenReport report;
  auto records = Replayed(dir.path(), &report, options);
  for (const auto& r : records) EXPECT_GT(r.lsn, 40u);  // what is left is the tail
  EXPECT_EQ(report.last_lsn, 50u);
  auto wal = WriteAheadLog::Open(options, nullptr).value();
  EXPECT_EQ(wal->Append(1, "", "after"), 51u);
}

// A record is read back by reference (the memtable's overflow does so),
// from a segment being written, from a replayed one, and after Truncate
// removed its segment's name; bytes() counts what the kept segments hold.
TEST(WriteAheadLog, RecordsAreReadBackByReferenceEvenAfterTruncate) {
  TempDir dir;
  WalOptions options{dir.path(), 1000};
  std::vector<WalRecordRef> refs(20);
  std::atomic<int> located = 0;  // the callbacks run after WaitDurable may return
  {
    auto wal = WriteAheadLog::Open(options, nullptr).value();
    for (int i = 0; i < 20; ++i) {
      const std::string number = std::to_string(i), padding(100, '.');
      const std::string_view payload[] = {"record ", number, padding};
      const uint64_t lsn = wal->Append(3, i % 2 ? "key" : "", payload, nullptr, [&, i](WalRecordRef ref) {
        refs[i] = std::move(ref);
        ++located;
      });
      ASSERT_TRUE(wal->WaitDurable(lsn).ok());  // a group each: segments roll over between groups
    }
    while (located < 20) std::this_thread::yield();
    EXPECT_GT(wal->bytes(), 20 * 28);
    const int64_t before = wal->bytes();
    ASSERT_TRUE(wal->Truncate(15).ok());  // most segments go
    EXPECT_LT(wal->bytes(), before);
    for (int i = 0; i < 20; ++i) {
      ASSERT_NE(refs[i].segment, nullptr) << i;
      auto record = ReadWalRecord(refs[i]);
      ASSERT_TRUE(record.ok()) << record.status().ToString();
      EXPECT_EQ(record->lsn, static_cast<uint64_t>(i + 1));
      EXPECT_EQ(record->payload, "record " + std::to_string(i) + std::string(100, '.'));
      EXPECT_EQ(record->key, i % 2 ? "key" : "");
    }
  }
  // Replay hands out references too; a reference into bytes that changed is DataLoss.
  auto records = Replayed(dir.path());
  ASSERT_FALSE(records.empty());
  auto again = ReadWalRecord(records.back().ref);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->payload, records.back().payload);
  WalRecordRef wrong = records.back().ref;
  wrong.offset += 1;
  EXPECT_EQ(ReadWalRecord(wrong).status().code(), StatusCode::kDataLoss);
}

TEST(WriteAheadLog, ATornTailIsCutAndReported) {
  TempDir dir;
  {
    auto wal = WriteAheadLog::Open({dir.path()}, nullptr).value();
    for (int i = 0; i < 10; ++i) wal->Append(7, "", std::string(100, 'y'));
    ASSERT_TRUE(wal->WaitDurable(10).ok());
  }
  // The process died in the middle of writing record 10.
  const fs::path segment = Segments(dir.path()).front();
  fs::resize_file(segment, fs::file_size(segment) - 30);
  WalOpenReport report;
  auto records = Replayed(dir.path(), &report);
  EXPECT_EQ(records.size(), 9u);
  EXPECT_EQ(report.last_lsn, 9u);
  EXPECT_EQ(report.bytes_cut, 28 + 100 - 30);
  EXPECT_NE(report.cut_reason.find("torn"), std::string::npos) << report.cut_reason;
  // The cut is permanent and the next record takes the torn one's LSN.
  auto wal = WriteAheadLog::Open({dir.path()}, nullptr).value();
  EXPECT_EQ(wal->Append(7, "", "again"), 10u);
  ASSERT_TRUE(wal->WaitDurable(10).ok());
  wal.reset();
  auto again = Replayed(dir.path());
  ASSERT_EQ(again.size(), 10u);
  EXPECT_EQ(again.back().payload, "again");
}

TEST(WriteAheadLog, ABitFlipEndsTheLogThereAndLaterSegmentsGo) {
  TempDir dir;
  WalOptions options{dir.path(), 1000};
  {
    auto wal = WriteAheadLog::Open(options, nullptr).value();
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(wal->WaitDurable(wal->Append(1, "", std::string(300, 'z'))).ok());
  }
  auto segments = Segments(dir.path());
  ASSERT_GT(segments.size(), 3u);
  // Flip one payload bit in the second record of the second segment.
  {
    std::fstream f(segments[1], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(28 + 300 + 28 + 10);
    char c;
    f.read(&c, 1);
    f.seekp(28 + 300 + 28 + 10);
    c ^= 0x10;
    f.write(&c, 1);
  }
  WalOpenReport report;
  auto records = Replayed(dir.path(), &report, options);
  const uint64_t first_of_second = std::stoull(segments[1].filename().string());
  ASSERT_EQ(records.size(), first_of_second);  // the first segment and one record of the second
  EXPECT_EQ(records.back().lsn, first_of_second);
  EXPECT_NE(report.cut_reason.find("checksum"), std::string::npos) << report.cut_reason;
  EXPECT_GT(report.bytes_cut, 0);
  // Nothing after the flipped record is left on disk.
  EXPECT_EQ(Replayed(dir.path(), nullptr, options).size(), records.size());
}

}  // namespace
}  // namespace hangar::store
