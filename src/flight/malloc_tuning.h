// Keeps the memory of large messages in the heap between messages.
//
// A Flight stream receives one large message after another: gRPC reads the
// socket into 64 KiB slices, and a body spread over many slices is gathered
// into one buffer (see flight_data.h). With glibc's default settings the heap
// is trimmed back to the kernel (madvise) as soon as a few MiB at its top are
// free, and buffers larger than the mmap threshold are mapped and unmapped
// for every message, so every message faults in and zeroes fresh pages: a
// third of the receiving side's CPU in a profile of DoPut. glibc's own
// dynamic thresholds move towards these values after the first large free;
// fixing them keeps them there.
//
// Measured with bench_flight on 2 cores (same run, same machine): a client
// stream of 1 MiB messages through gRPC's generated code 0.9-1.4 -> 1.6-2.1 GB/s,
// DoPut of 1 MiB batches 0.9-1.6 -> 2.3-2.7 GB/s (interleaved A/B runs).
#pragma once

namespace hangar::flight {

// Sets glibc's mmap threshold to 16 MiB and its trim threshold to 64 MiB
// (the most glibc's dynamic thresholds reach by themselves is 32 / 64 MiB).
// Call once at the start of main(), before any thread starts. A threshold
// set in the environment (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_, or
// any GLIBC_TUNABLES) is left alone. A no-op with other C libraries.
void TuneMallocForLargeMessages();

}  // namespace hangar::flight
