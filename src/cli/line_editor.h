// Line editing and history for the SQL prompt, through libedit (Debian's
// libedit): arrow keys, Ctrl-R search, emacs bindings, ~/.editrc, and a
// history file kept across runs.
//
// Ctrl-C while a line is being typed is not a signal here: the terminal's
// signal characters are off while libedit reads, and ^C is bound to a
// function that ends the read as an interruption, so the caller clears the
// line (or the statement being continued) and prompts again.
#pragma once

#include <memory>
#include <string>

#include "cli/terminal.h"

struct editline;
struct history;

namespace hangar::cli {

class LineEditor {
 public:
  // Reads from the terminal on stdin, echoing to stderr. `history_path`:
  // loaded now, saved after each entry; empty for none.
  LineEditor(const char* program, std::string history_path);
  ~LineEditor();
  LineEditor(const LineEditor&) = delete;
  LineEditor& operator=(const LineEditor&) = delete;

  enum class Read { kLine, kInterrupted, kEnd };
  // The next line (without its newline), after showing `prompt`.
  Read ReadLine(const std::string& prompt, std::string* line);
  // Appends to the history (and its file).
  void Remember(const std::string& entry);

 private:
  static char* Prompt(struct editline* el);
  static unsigned char Interrupt(struct editline* el, int ch);

  CharacterMode keys_;  // between lines; outlives the editor
  struct editline* el_ = nullptr;
  struct history* history_ = nullptr;
  std::string history_path_;
  std::string prompt_;
  bool interrupted_ = false;
};

// $HANGAR_HISTORY, else ~/.hangar_history; empty when neither can be named.
std::string HistoryPath();

}  // namespace hangar::cli
