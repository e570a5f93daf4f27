/* A deliberately slow disk for the backpressure test: preloaded into
 * `hangar serve` (LD_PRELOAD), it makes every fsync and fdatasync of the
 * process — the write-ahead log's, DuckDB's Parquet files', the manifests' —
 * sleep HANGAR_SLOW_DISK_MS milliseconds before doing the real one. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

static void Delay(void) {
  const char* ms = getenv("HANGAR_SLOW_DISK_MS");
  if (ms == NULL) return;
  const long n = atol(ms);
  struct timespec t = {n / 1000, (n % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

int fsync(int fd) {
  static int (*real)(int);
  if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  Delay();
  return real(fd);
}

int fdatasync(int fd) {
  static int (*real)(int);
  if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  Delay();
  return real(fd);
}
