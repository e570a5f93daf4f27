// The few file-system operations that durability rests on. A file is durable
// once its bytes are fsynced *and* the directory entry naming it is fsynced;
// replacing a file atomically means writing a temporary, fsyncing it,
// renaming it over the old name and fsyncing the directory. Errors carry the
// path and errno text (the server maps IOError to a generic message for
// clients and logs the detail).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/status.h"

namespace hangar::store {

namespace fs = std::filesystem;

// Writes `contents` to `path` through `path`.tmp: after a crash at any
// instant, `path` holds either its old contents or the new ones.
Status WriteFileAtomic(const fs::path& path, std::string_view contents);
Result<std::string> ReadWholeFile(const fs::path& path);

// Writes all of `bytes` to `fd`, through short writes and EINTR; an error
// is IoError(failure, path, errno).
Status WriteAll(int fd, std::string_view bytes, std::string_view failure, const fs::path& path);
// Appends `bytes` to `path` (created if missing); with `sync`, fsyncs the
// file, and its folder when the file is new. Errors name `what` ("cannot
// write <what> <path>: ...").
Status AppendToFile(const fs::path& path, std::string_view bytes, bool sync, std::string_view what);

// CRC-32 (zlib's) of `bytes`, continuing from `crc`: records of Hangar's own
// files check themselves with it.
uint32_t Crc32(std::string_view bytes, uint32_t crc = 0);
// The CRC-32 of A then B from Crc32(A) and Crc32(B) (B of `second_length`
// bytes): a long part's checksum can be taken apart from the rest.
uint32_t Crc32Combine(uint32_t first, uint32_t second, int64_t second_length);

Status FsyncFile(const fs::path& path);

// How much of a big file SyncFilePaced writes back at a time.
inline constexpr int64_t kPacedSyncStep = int64_t{256} << 10;
// fsyncs the file open at `fd` (`path` names it in errors) after writing its
// dirty pages back `step` bytes at a time, each step waited for: for the
// large data files written in the background (Parquet, read copies), so the
// write-ahead log's small fdatasync never queues behind a whole file's worth
// of writes (docs/durability.md).
Status SyncFilePaced(int fd, const fs::path& path, int64_t step = kPacedSyncStep);
// The same on the file at `path`.
Status SyncFilePaced(const fs::path& path, int64_t step = kPacedSyncStep);
Status FsyncDirectory(const fs::path& dir);
// rename(2) followed by an fsync of the target's directory (and of the
// source's, when it differs).
Status DurableRename(const fs::path& from, const fs::path& to);
Status CreateDirectories(const fs::path& dir);
// Removes a file or a whole tree; a missing path is not an error.
Status RemoveAll(const fs::path& path);

// Whether `dir` takes a durable write now: a small file is written,
// fsynced and removed (a full or read-only disk, a vanished mount fail).
Status CheckWritable(const fs::path& dir);

// 16 random hex digits, for names of folders and files being written.
std::string UniqueId();

Status IoError(std::string_view what, const fs::path& path, int err);

}  // namespace hangar::store
