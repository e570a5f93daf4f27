// Turns off Abseil's mutex deadlock detection, which gRPC's locks pay for.
//
// gRPC guards its calls, completion queues and transports with absl::Mutex.
// Debian's Abseil is built without NDEBUG, so every absl::Mutex lock runs
// the debug-build deadlock detector: a lookup in one process-wide graph
// under a global lock, and an edge per lock already held. A nested lock and
// unlock of two mutexes costs 300-380 ns with it and 50-90 ns without it on
// the 2-core development machine; gRPC locks on every message,
// in the client and the server alike. Abseil's release builds (and the gRPC
// that Arrow C++'s Flight links, as pyarrow ships it) have it off. It is a
// debugging aid that aborts on a lock-order cycle it infers; turning it off
// changes no behaviour of a correct program.
#pragma once

namespace hangar::flight {

// Idempotent and cheap (one atomic store); FlightServer::Start and
// FlightClient::Connect call it, so every process using Hangar's Flight
// layer runs without the detector.
void DisableMutexDeadlockDetection();

}  // namespace hangar::flight
