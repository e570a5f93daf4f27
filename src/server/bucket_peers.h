// The other nodes' tables in a cluster that shares its tables through the
// bucket (--cluster with --object-store, docs/cluster.md#tables-in-the-bucket).
//
// Each node keeps, beside its own folder <cluster dir>/nodes/<own id>, a
// copy of every table another node writes, in <cluster dir>/nodes/<writer
// id>/tables, as the bucket holds it: the newest definition (whose writer
// names that node) and its data files. The store reads those folders as
// peers' tables (table_store.h), so a node reads every table with the same
// local Parquet reads as its own, and ownership (folder_ownership.h) finds
// a gone node's tables there. A round lists the bucket once; a table's
// newer version links the files its older copy has and downloads the rest.
#pragma once

#include <filesystem>
#include <string>

#include "base/status.h"
#include "objstore/object_store.h"

namespace hangar::server {

// One round: the copies under `nodes_dir` brought to the bucket's state.
// A copy whose table the bucket no longer gives to its folder's node (it
// was dropped, or adopted by another node) goes; the folder of `self_id`
// is not touched, and a table it holds is not copied elsewhere.
Status SyncBucketPeers(objstore::ObjectStore& store, const std::filesystem::path& nodes_dir,
                       const std::string& self_id);

// Whether the bucket still names `self_id` the writer of every table in
// `own_tables` (a node's own tables folder) that it holds.
Result<bool> BucketNamesWriter(objstore::ObjectStore& store, const std::filesystem::path& own_tables,
                               const std::string& self_id);

}  // namespace hangar::server
