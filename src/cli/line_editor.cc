#include "cli/line_editor.h"

#include <histedit.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>

namespace hangar::cli {

namespace {
constexpr int kHistorySize = 2000;
}  // namespace

std::string HistoryPath() {
  if (const char* path = std::getenv("HANGAR_HISTORY"); path != nullptr && *path != '\0') return path;
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    return std::string(home) + "/.hangar_history";
  return "";
}

LineEditor::LineEditor(const char* program, std::string history_path)
    : keys_(STDIN_FILENO), history_path_(std::move(history_path)) {
  el_ = el_init(program, stdin, stderr, stderr);
  if (el_ == nullptr) return;
  el_set(el_, EL_CLIENTDATA, this);
  el_set(el_, EL_PROMPT, &LineEditor::Prompt);
  el_set(el_, EL_EDITOR, "emacs");
  // libedit's handlers restore the terminal on signals and follow resizes.
  el_set(el_, EL_SIGNAL, 1);
  // The wide call: libedit keeps the name and help it is given, and the
  // narrow one hands it copies that nothing ever frees.
  el_wset(el_, EL_ADDFN, L"hangar-interrupt", L"Abandon the line being typed", &LineEditor::Interrupt);
  el_set(el_, EL_BIND, "^C", "hangar-interrupt", nullptr);
  el_set(el_, EL_SETTY, "-d", "-isig", nullptr);
  HistEvent event;
  history_ = history_init();
  history(history_, &event, H_SETSIZE, kHistorySize);
  history(history_, &event, H_SETUNIQUE, 1);  // a statement run twice in a row is one entry
  if (!history_path_.empty()) history(history_, &event, H_LOAD, history_path_.c_str());
  el_set(el_, EL_HIST, history, history_);
  el_source(el_, nullptr);  // ~/.editrc, as every libedit program reads it
}

LineEditor::~LineEditor() {
  if (history_ != nullptr) history_end(history_);
  if (el_ != nullptr) el_end(el_);
}

char* LineEditor::Prompt(EditLine* el) {
  void* self = nullptr;
  el_get(el, EL_CLIENTDATA, &self);
  return const_cast<char*>(static_cast<LineEditor*>(self)->prompt_.c_str());
}

unsigned char LineEditor::Interrupt(EditLine* el, int) {
  void* self = nullptr;
  el_get(el, EL_CLIENTDATA, &self);
  static_cast<LineEditor*>(self)->interrupted_ = true;
  // Show it as a terminal would, then end the read.
  std::fputs("^C\n", stderr);
  return CC_NEWLINE;
}

LineEditor::Read LineEditor::ReadLine(const std::string& prompt, std::string* line) {
  if (el_ == nullptr) return Read::kEnd;
  prompt_ = prompt;
  interrupted_ = false;
  int count = 0;
  const char* text = el_gets(el_, &count);
  // libedit leaves the terminal collecting lines, with echo: keys typed
  // during the statement that follows would be echoed twice and a Ctrl-D
  // among them lost.
  keys_.Reapply();
  if (interrupted_) return Read::kInterrupted;
  if (text == nullptr || count <= 0) return Read::kEnd;
  line->assign(text, static_cast<size_t>(count));
  while (!line->empty() && (line->back() == '\n' || line->back() == '\r')) line->pop_back();
  return Read::kLine;
}

void LineEditor::Remember(const std::string& entry) {
  if (history_ == nullptr || entry.find_first_not_of(" \t\n") == std::string::npos) return;
  HistEvent event;
  history(history_, &event, H_ENTER, entry.c_str());
  // Saved at once: a prompt killed or closed with its terminal keeps what was typed.
  if (history_path_.empty()) return;
  history(history_, &event, H_SAVE, history_path_.c_str());
  // Statements can hold secrets: the file is the user's alone, as psql's is.
  chmod(history_path_.c_str(), 0600);
}

}  // namespace hangar::cli
