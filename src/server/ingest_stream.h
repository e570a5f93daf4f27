// DoExchange on a table: streaming ingest with an acknowledgement per batch
// and durability level (store/ingest.h).
//
// The descriptor names the table (a path, or {"table": "ns.name"}). The
// first message may carry a WriteRequest as JSON in its app_metadata:
//
//   {"table_name": "ns.name",              (optional; must name the descriptor's table)
//    "requested_durability": "memory" | "disk" | "committed"}   (default "disk")
//
// Then data batches follow. For each, the server sends FlightData messages
// with only app_metadata, JSON
//
//   {"batch": 0, "lsn": 17, "durability_level": "memory", "timestamp_us": ..., "error": null}
//
// one per level reached up to the one requested, each level in LSN order.
// A batch that cannot be written (a schema that does not match, nulls in a
// not-null column) gets one ack with "lsn": null and "error" saying why; the
// stream and the other batches go on. When the client has sent everything,
// the server sends the remaining acks and ends the call.
#pragma once

#include "flight/server.h"
#include "store/ingest.h"

namespace hangar::server {

Status ServeIngestStream(store::Ingest& ingest, const flight::ServerCallContext& context,
                         const store::QualifiedName& table, flight::FlightStreamReader* in,
                         flight::FlightStreamWriter* out);

}  // namespace hangar::server
