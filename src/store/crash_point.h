// Crash points: places on the write path where a test can make the process
// die as abruptly as SIGKILL would (no destructors, no flushing), to prove
// that a crash at that instant leaves every table either before or after
// the write in progress. The process dies at the point named by the
// environment variable HANGAR_CRASH_POINT; without it these are no-ops.
//
//   put-staged          a put's Parquet files are written and fsynced in staging/
//   commit-files-moved  they are renamed into the table's folder, not yet named by a manifest
//   manifest-written    the new manifest is fsynced under its temporary name, not renamed
//   commit-done         the new manifest is in place (the put is committed)
//   flush-staged        a memtable flush's files are written in staging/
//   compact-staged      a compaction's file is written in staging/
#pragma once

namespace hangar::store {

void CrashPoint(const char* name);

}  // namespace hangar::store
