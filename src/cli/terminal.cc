#include "cli/terminal.h"

#include <sys/ioctl.h>
#include <unistd.h>

namespace hangar::cli {

bool IsTerminal(int fd) { return isatty(fd) == 1; }

std::optional<TerminalSize> TerminalSizeOf(int fd) {
  if (!IsTerminal(fd)) return std::nullopt;
  TerminalSize size;
  struct winsize w = {};
  // A pseudo-terminal nobody sized answers 0 x 0: keep the classic 80 x 24.
  if (ioctl(fd, TIOCGWINSZ, &w) == 0 && w.ws_col > 0 && w.ws_row > 0) {
    size.columns = w.ws_col;
    size.rows = w.ws_row;
  }
  return size;
}

CharacterMode::CharacterMode(int fd) : fd_(fd) {
  struct termios mode;
  if (!IsTerminal(fd) || tcgetattr(fd, &mode) != 0) return;
  saved_ = mode;
  mode.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
  mode.c_cc[VMIN] = 1;
  mode.c_cc[VTIME] = 0;
  mode_ = mode;
  Reapply();
}

void CharacterMode::Reapply() const {
  if (saved_) tcsetattr(fd_, TCSANOW, &mode_);
}

CharacterMode::~CharacterMode() {
  if (saved_) tcsetattr(fd_, TCSANOW, &*saved_);
}

}  // namespace hangar::cli
