// A fresh data directory under the system's temporary folder for one
// server of a test, removed with the object.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace hangar::testing {

// A data directory for one server, removed with the object.
class TempDataDir {
 public:
  TempDataDir()
      : path_(std::filesystem::temp_directory_path() /
              ("hangar-server-test-" + std::to_string(getpid()) + "-" + std::to_string(counter_++))) {
    std::filesystem::remove_all(path_);
  }
  ~TempDataDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

}  // namespace hangar::testing
