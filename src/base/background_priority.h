// Background work yields the CPU to calls.
//
// On a machine with few cores the memtable flush, read copies and compaction
// (DuckDB turning Arrow into Parquet, tens of milliseconds of CPU at a time)
// compete with the threads that receive batches and send acknowledgements;
// at equal priority an ack waits for its turn behind them. Their threads
// run at a lower priority (a higher nice value), so calls come first while
// background work still gets the CPU left over, and its share when contended.
#pragma once

namespace hangar {

// The nice value background threads run at: a quarter of a call thread's
// share of a contended CPU (Linux's weights: 1024 at 0, 335 at 5).
constexpr int kBackgroundNice = 5;

// Lowers the calling thread's priority to kBackgroundNice (Linux: nice is
// per thread; threads it starts inherit it). Best effort: a failure leaves
// the thread as it was.
void RunInBackground();

}  // namespace hangar
