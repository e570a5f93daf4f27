#include "cli/pager.h"

#include <signal.h>

#include <cstdlib>

namespace hangar::cli {

std::string PagerCommand() {
  for (const char* name : {"HANGAR_PAGER", "PAGER"})
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return value;
  // -F: quit when it fits anyway; -R: keep colours; -S: chop long lines
  // instead of folding them; -X: leave the screen as it was.
  return "less -FRSX";
}

PagedOutput::PagedOutput(int screen_rows) : screen_rows_(screen_rows) {
  cookie_io_functions_t functions = {};
  functions.write = &PagedOutput::Write;
  file_ = fopencookie(this, "w", functions);
}

PagedOutput::~PagedOutput() {
  if (file_ != nullptr) std::fclose(file_);  // flushes into Write
  if (pager_ != nullptr) {
    pclose(pager_);
    signal(SIGPIPE, SIG_DFL);
  } else if (!held_.empty()) {
    std::fwrite(held_.data(), 1, held_.size(), stdout);
    std::fflush(stdout);
  }
}

void PagedOutput::StartPager() {
  std::fflush(stdout);
  // A pager the user quits early closes the pipe: writes then fail with
  // EPIPE instead of killing the process.
  signal(SIGPIPE, SIG_IGN);
  pager_ = popen(PagerCommand().c_str(), "w");
  if (pager_ == nullptr) {
    // No pager to run: print everything.
    std::fwrite(held_.data(), 1, held_.size(), stdout);
    screen_rows_ = 0;
  } else if (std::fwrite(held_.data(), 1, held_.size(), pager_) != held_.size()) {
    pager_gone_ = true;
  }
  held_.clear();
}

ssize_t PagedOutput::Write(void* cookie, const char* data, size_t size) {
  auto* self = static_cast<PagedOutput*>(cookie);
  if (self->pager_ != nullptr) {
    if (!self->pager_gone_ && std::fwrite(data, 1, size, self->pager_) != size) self->pager_gone_ = true;
    return static_cast<ssize_t>(size);
  }
  if (self->screen_rows_ <= 0) return static_cast<ssize_t>(std::fwrite(data, 1, size, stdout));
  self->held_.append(data, size);
  for (size_t i = 0; i < size; ++i) self->lines_ += data[i] == '\n';
  // A line for the prompt that follows.
  if (self->lines_ >= self->screen_rows_ - 1) self->StartPager();
  return static_cast<ssize_t>(size);
}

}  // namespace hangar::cli
