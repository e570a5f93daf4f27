// Crash points: places on the write path where a test can make the process
// die as abruptly as SIGKILL would (no destructors, no flushing), to prove
// that a crash at that instant leaves every table either before or after
// the write in progress. The process dies at the point named by the
// environment variable HANGAR_CRASH_POINT, the first time it is reached or,
// with HANGAR_CRASH_POINT_SKIP=N, the time after N passes; without it these
// are no-ops.
//
//   put-staged          a put's Parquet files are written and fsynced in staging/
//   commit-files-moved  they are renamed into the table's folder, not yet named by a manifest
//   manifest-written    the new manifest is fsynced under its temporary name, not renamed
//   commit-done         the new manifest is in place (the put is committed)
//   flush-staged        a memtable flush's files are written in staging/
//   compact-staged      a compaction's file is written in staging/
//   read-copy-written   a data file's read copy is fsynced under its temporary name, not renamed
//
// and on the way into the object store (src/iceberg/iceberg_table.cc):
//
//   iceberg-files-uploaded      a version's data files are in the bucket, its definition not yet
//   iceberg-definition-saved    its definition too (`object_storage` is acknowledged), no metadata yet
//   iceberg-metadata-committed  its Iceberg metadata version is written, older ones not yet cleaned up
#pragma once

namespace hangar::store {

void CrashPoint(const char* name);

}  // namespace hangar::store
