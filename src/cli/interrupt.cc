#include "cli/interrupt.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

namespace hangar::cli {

namespace {

// The self-pipe: a signal handler may only write(); the watching thread
// reads. 'i' is an interrupt, 'q' tells the thread to end.
int g_pipe[2] = {-1, -1};
struct sigaction g_previous_int, g_previous_term;

void OnSignal(int) {
  const int saved = errno;
  const char byte = 'i';
  [[maybe_unused]] ssize_t n = write(g_pipe[1], &byte, 1);
  errno = saved;
}

}  // namespace

InterruptWatch::InterruptWatch(std::function<void()> on_interrupt, bool sigterm_too)
    : on_interrupt_(std::move(on_interrupt)), sigterm_too_(sigterm_too) {
  if (pipe(g_pipe) != 0) return;  // no watch: Ctrl-C keeps its default meaning
  struct sigaction action = {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  // Restart interrupted system calls: the main thread's reads and writes
  // carry on; the callback decides what stops.
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &g_previous_int);
  if (sigterm_too_) sigaction(SIGTERM, &action, &g_previous_term);
  thread_ = std::thread([this] {
    char byte = 0;
    while (true) {
      const ssize_t n = read(g_pipe[0], &byte, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || byte == 'q') return;
      on_interrupt_();
    }
  });
}

InterruptWatch::~InterruptWatch() {
  if (!thread_.joinable()) return;
  sigaction(SIGINT, &g_previous_int, nullptr);
  if (sigterm_too_) sigaction(SIGTERM, &g_previous_term, nullptr);
  const char byte = 'q';
  [[maybe_unused]] ssize_t n = write(g_pipe[1], &byte, 1);
  thread_.join();
  close(g_pipe[0]);
  close(g_pipe[1]);
  g_pipe[0] = g_pipe[1] = -1;
}

}  // namespace hangar::cli
