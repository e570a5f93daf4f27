// What the CLI asks of the terminal: whether a descriptor is one, and its
// size (for progress bars, tables that fit, and when to page).
#pragma once

#include <optional>

#include <termios.h>

namespace hangar::cli {

bool IsTerminal(int fd);

struct TerminalSize {
  int columns = 80;
  int rows = 24;
};
// The size of the terminal behind `fd`; nullopt when it is not one.
std::optional<TerminalSize> TerminalSizeOf(int fd);

// While it lives, the terminal on `fd` (if it is one) hands over each key as
// it is typed, without echo, instead of collecting lines; Ctrl-C still
// raises SIGINT. The line editor holds one between lines: keys typed ahead
// while a statement runs then reach it as they were typed (a Ctrl-D too,
// which a terminal collecting lines would turn into an end of input that
// the editor never sees).
class CharacterMode {
 public:
  explicit CharacterMode(int fd);
  ~CharacterMode();  // the terminal as it was
  // Sets the mode again (after a program that changed it, such as libedit,
  // which leaves the terminal collecting lines with echo after each line).
  void Reapply() const;
  CharacterMode(const CharacterMode&) = delete;
  CharacterMode& operator=(const CharacterMode&) = delete;

 private:
  int fd_;
  std::optional<struct termios> saved_;
  struct termios mode_ = {};
};

}  // namespace hangar::cli
