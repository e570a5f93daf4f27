// Object storage: Hangar's S3 store against boto3 on the same S3-compatible
// server (SeaweedFS on loopback, tests/support/s3_server.h) in the same run.
//
//   bench_objstore [--mib N] [--reps N] [--small N]
//
// Rows: uploading one file of N MiB (PutFile: a multipart upload in 8 MiB
// parts, two at a time; and Put: the bytes in one PUT) against boto3's
// put_object of the same bytes and its transfer manager (upload_file) in the
// same parts, one thread and its default ten; downloading the object
// (GetFile against download_file); and the latency of small PUTs (4 KiB
// objects, one after another: p50 and p99). Hangar's rows are measured
// before and after boto3's (medians over both). Ratios are Hangar's rate
// over boto3's (> 1: Hangar is faster) and boto3's latency over Hangar's.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "objstore/s3_object_store.h"
#include "support/s3_server.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace hangar;

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// Appends the seconds of each of `reps` runs of `action` to `seconds`.
template <typename F>
Status Timed(int reps, std::vector<double>* seconds, F action) {
  for (int rep = 0; rep < reps; ++rep) {
    const auto start = Clock::now();
    HANGAR_RETURN_NOT_OK(action(rep));
    seconds->push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  return Status::OK();
}

// boto3's measurements, by name; empty when the baseline could not run.
std::map<std::string, std::vector<double>> RunBaseline(const testing::S3Server& s3, const fs::path& file, int reps,
                                                       int small, size_t small_size, uint64_t part_size) {
  const std::string python = std::string(HANGAR_SOURCE_DIR) + "/third_party/venv/bin/python";
  const std::string script = std::string(HANGAR_SOURCE_DIR) + "/bench/objstore_baseline.py";
  const std::string command = "AWS_ACCESS_KEY_ID=" + s3.access_key() + " AWS_SECRET_ACCESS_KEY=" + s3.secret_key() +
                              " " + python + " " + script + " " + s3.endpoint() + " " + s3.bucket() + " " +
                              file.string() + " " + std::to_string(reps) + " " + std::to_string(small) + " " +
                              std::to_string(small_size) + " " + std::to_string(part_size);
  std::map<std::string, std::vector<double>> out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char line[1 << 16];
  std::string pending;
  while (std::fgets(line, sizeof line, p)) {
    pending += line;
    if (pending.empty() || pending.back() != '\n') continue;
    std::istringstream in(pending);
    std::string name;
    in >> name;
    double v;
    while (in >> v) out[name].push_back(v);
    pending.clear();
  }
  pclose(p);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int mib = 128, reps = 3, small = 300;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--mib") == 0)
      mib = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--reps") == 0)
      reps = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--small") == 0)
      small = std::atoi(argv[i + 1]);
  }
  const fs::path dir = fs::temp_directory_path() / ("hangar-bench-objstore-" + std::to_string(::getpid()));
  auto s3 = testing::S3Server::Start(dir / "server");
  if (!s3.ok()) {
    std::fprintf(stderr, "bench_objstore: %s\n", s3.status().ToString().c_str());
    return 1;
  }
  // The server first, then its folder.
  auto clean_up = [&] {
    s3->reset();
    fs::remove_all(dir);
  };
  objstore::S3Options options = (*s3)->options();
  options.retry = objstore::RetryPolicy();
  const uint64_t part_size = options.part_size;
  auto opened = objstore::OpenS3ObjectStore({(*s3)->bucket(), "hangar"}, options);
  if (!opened.ok()) {
    std::fprintf(stderr, "bench_objstore: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  objstore::ObjectStore& store = **opened;

  const size_t size = static_cast<size_t>(mib) << 20;
  std::string bytes(size, '\0');
  std::mt19937_64 random(42);
  for (size_t i = 0; i + 8 <= size; i += 8) {
    const uint64_t r = random();
    std::memcpy(&bytes[i], &r, 8);
  }
  const fs::path file = dir / "upload.bin";
  std::ofstream(file, std::ios::binary) << bytes;
  std::printf(
      "bench_objstore: %d MiB file, %d repetitions (medians), parts of %llu MiB; %d small PUTs of 4 KiB; "
      "SeaweedFS on loopback\n",
      mib, reps, static_cast<unsigned long long>(part_size >> 20), small);

  const double mb = static_cast<double>(size) / 1e6;
  // SeaweedFS grows its volumes as data arrives: the first uploads would pay
  // for that. Two untimed ones first; then Hangar's rows are measured before
  // and after boto3's, so that neither side always comes first.
  const std::string small_body = bytes.substr(0, 4096);
  std::vector<double> warm_up, put_file, put, get_file, small_latency;
  auto measure = [&](const std::string& round) -> Status {
    HANGAR_RETURN_NOT_OK(
        Timed(reps, &put_file, [&](int rep) { return store.PutFile(round + "file-" + std::to_string(rep), file); }));
    HANGAR_RETURN_NOT_OK(
        Timed(reps, &put, [&](int rep) { return store.Put(round + "put-" + std::to_string(rep), bytes); }));
    HANGAR_RETURN_NOT_OK(
        Timed(reps, &get_file, [&](int) { return store.GetFile(round + "file-0", dir / "download.bin"); }));
    return Timed(small / 2, &small_latency,
                 [&](int i) { return store.Put(round + "small/" + std::to_string(i), small_body); });
  };
  Status st = Timed(2, &warm_up, [&](int) { return store.PutFile("warm-up", file); });
  if (st.ok()) st = measure("a/");
  auto baseline = RunBaseline(**s3, file, reps, small, small_body.size(), part_size);
  if (st.ok()) st = measure("b/");
  if (!st.ok()) {
    std::fprintf(stderr, "bench_objstore: %s\n", st.ToString().c_str());
    clean_up();
    return 1;
  }
  auto rate = [&](double seconds) { return mb / seconds; };
  auto row = [&](const char* what, double seconds) { std::printf("  %-52s %8.1f MB/s\n", what, rate(seconds)); };
  row("Hangar PutFile (8 MiB parts, two at a time)", Median(put_file));
  row("Hangar Put (one PUT)", Median(put));
  row("Hangar GetFile", Median(get_file));
  std::printf("  %-52s p50 %6.2f ms  p99 %6.2f ms\n", "Hangar Put of 4 KiB", Percentile(small_latency, 0.5) * 1e3,
              Percentile(small_latency, 0.99) * 1e3);
  if (baseline.empty()) {
    std::printf("  baseline: third_party/venv/ with boto3 is not available (scripts/setup.sh installs it)\n");
    clean_up();
    return 0;
  }
  const double b_put = Median(baseline["put_object"]);
  const double b_up1 = Median(baseline["upload_file_1"]);
  const double b_up10 = Median(baseline["upload_file_10"]);
  const double b_down = Median(baseline["download_file_1"]);
  row("boto3 put_object (one PUT)", b_put);
  row("boto3 upload_file (8 MiB parts, 1 thread)", b_up1);
  row("boto3 upload_file (8 MiB parts, 10 threads)", b_up10);
  row("boto3 download_file (1 thread)", b_down);
  const auto& b_small = baseline["small_put"];
  std::printf("  %-52s p50 %6.2f ms  p99 %6.2f ms\n", "boto3 put_object of 4 KiB", Percentile(b_small, 0.5) * 1e3,
              Percentile(b_small, 0.99) * 1e3);
  std::printf("  ratios (Hangar / boto3 rate; target >= 0.8):\n");
  std::printf("    Put / put_object                         %.2f\n", b_put / Median(put));
  std::printf("    PutFile / upload_file, 1 thread          %.2f\n", b_up1 / Median(put_file));
  std::printf("    PutFile / upload_file, 10 threads        %.2f\n", b_up10 / Median(put_file));
  std::printf("    GetFile / download_file                  %.2f\n", b_down / Median(get_file));
  std::printf("    small PUT latency, boto3 p50 / Hangar p50 %.2f, p99 %.2f\n",
              Percentile(b_small, 0.5) / Percentile(small_latency, 0.5),
              Percentile(b_small, 0.99) / Percentile(small_latency, 0.99));
  clean_up();
  return 0;
}
