// A local folder as an object store: for one machine, and for tests that
// need no S3 server. Keys are relative paths below the root; a key may not
// leave the root.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <utility>
#include <vector>

#include "objstore/object_store.h"

namespace hangar::objstore {
namespace {

namespace fs = std::filesystem;

Status FileError(std::string_view what, std::string_view key, int err) {
  return Status::IOError(std::string(what) + " object '" + std::string(key) + "': " + std::strerror(err));
}

Status Fsync(const fs::path& path, bool directory, std::string_view key) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return FileError("cannot open", key, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  return rc == 0 ? Status::OK() : FileError("cannot sync", key, err);
}

// A temporary file beside `target` (its folder created), open for writing;
// removed again unless Keep() is called.
class Temporary {
 public:
  static Result<Temporary> Create(const fs::path& target, std::string_view key) {
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) return FileError("cannot create the folder of", key, ec.value());
    static thread_local std::mt19937_64 random{std::random_device{}()};
    fs::path path = target;
    path += ".tmp-" + std::to_string(random());
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return FileError("cannot create", key, errno);
    return Temporary(std::move(path), fd);
  }
  Temporary(Temporary&& other) noexcept : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}
  Temporary& operator=(Temporary&&) = delete;
  ~Temporary() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }

  int fd() const { return fd_; }
  const fs::path& path() const { return path_; }

  // fsyncs and closes the file; the caller renames or links it next.
  Status Sync(std::string_view key) {
    int rc = ::fsync(fd_);
    int err = errno;
    ::close(std::exchange(fd_, -1));
    return rc == 0 ? Status::OK() : FileError("cannot sync", key, err);
  }
  // The file stays (renamed into place by the caller).
  void Keep() { path_.clear(); }

 private:
  Temporary(fs::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  fs::path path_;
  int fd_;
};

Status WriteAll(int fd, std::string_view bytes, std::string_view key) {
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FileError("cannot write", key, errno);
    written += static_cast<size_t>(n);
  }
  return Status::OK();
}

// Copies `source` into `fd` through a fixed buffer: a data file of any size
// costs a megabyte of memory, not its size.
Status CopyInto(int fd, const fs::path& source, std::string_view key) {
  int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Status::IOError("cannot read the file to upload as '" + std::string(key) + "'");
  std::vector<char> buffer(1 << 20);
  Status st;
  while (st.ok()) {
    ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      st = Status::IOError("cannot read the file to upload as '" + std::string(key) + "'");
      break;
    }
    if (n == 0) break;
    st = WriteAll(fd, std::string_view(buffer.data(), static_cast<size_t>(n)), key);
  }
  ::close(in);
  return st;
}

class LocalObjectStore final : public ObjectStore {
 public:
  explicit LocalObjectStore(fs::path root) : root_(std::move(root)) {}

  Status Put(std::string_view key, std::string_view bytes) override {
    HANGAR_ASSIGN_OR_RETURN(fs::path target, PathOf(key));
    HANGAR_ASSIGN_OR_RETURN(Temporary temporary, Temporary::Create(target, key));
    HANGAR_RETURN_NOT_OK(WriteAll(temporary.fd(), bytes, key));
    return Publish(std::move(temporary), target, key);
  }

  Status PutFile(std::string_view key, const fs::path& source) override {
    HANGAR_ASSIGN_OR_RETURN(fs::path target, PathOf(key));
    HANGAR_ASSIGN_OR_RETURN(Temporary temporary, Temporary::Create(target, key));
    HANGAR_RETURN_NOT_OK(CopyInto(temporary.fd(), source, key));
    return Publish(std::move(temporary), target, key);
  }

  Status PutIfAbsent(std::string_view key, std::string_view bytes) override {
    HANGAR_ASSIGN_OR_RETURN(fs::path target, PathOf(key));
    HANGAR_ASSIGN_OR_RETURN(Temporary temporary, Temporary::Create(target, key));
    HANGAR_RETURN_NOT_OK(WriteAll(temporary.fd(), bytes, key));
    HANGAR_RETURN_NOT_OK(temporary.Sync(key));
    // link(2) fails with EEXIST when the name is taken: the atomic "create
    // only if absent" that rename(2) lacks. The temporary goes either way.
    if (::link(temporary.path().c_str(), target.c_str()) != 0) {
      if (errno == EEXIST) return Status::AlreadyExists("object '" + std::string(key) + "' already exists");
      return FileError("cannot write", key, errno);
    }
    return Fsync(target.parent_path(), /*directory=*/true, key);
  }

  Result<std::string> Get(std::string_view key) override {
    HANGAR_ASSIGN_OR_RETURN(fs::path path, PathOf(key));
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::NotFound("no object '" + std::string(key) + "'");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  Status GetFile(std::string_view key, const fs::path& destination) override {
    HANGAR_ASSIGN_OR_RETURN(fs::path path, PathOf(key));
    std::error_code ec;
    if (!fs::exists(path, ec)) return Status::NotFound("no object '" + std::string(key) + "'");
    fs::copy_file(path, destination, fs::copy_options::overwrite_existing, ec);
    if (ec) return FileError("cannot copy", key, ec.value());
    return Status::OK();
  }

  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    std::vector<ObjectInfo> objects;
    std::error_code ec;
    if (!fs::exists(root_, ec)) return objects;
    for (auto it = fs::recursive_directory_iterator(root_, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      // An object deleted while it is listed is left out (not an error).
      std::error_code entry_ec;
      if (!it->is_regular_file(entry_ec)) continue;
      std::string key = it->path().lexically_relative(root_).generic_string();
      if (key.find(".tmp-") != std::string::npos) continue;  // a write in progress
      if (key.compare(0, prefix.size(), prefix) != 0) continue;
      const auto size = it->file_size(entry_ec);
      if (entry_ec) continue;
      objects.push_back({key, static_cast<uint64_t>(size)});
    }
    if (ec) return FileError("cannot list", prefix, ec.value());
    std::sort(objects.begin(), objects.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    return objects;
  }

  Status Delete(std::string_view key) override {
    HANGAR_ASSIGN_OR_RETURN(fs::path path, PathOf(key));
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return FileError("cannot delete", key, errno);
    return Status::OK();
  }

  std::string UriOf(std::string_view key) const override {
    return "file://" + (root_ / std::string(key)).generic_string();
  }

 private:
  // Makes a written temporary the object `target`: fsync, rename over any
  // old object, fsync the folder.
  static Status Publish(Temporary temporary, const fs::path& target, std::string_view key) {
    HANGAR_RETURN_NOT_OK(temporary.Sync(key));
    if (::rename(temporary.path().c_str(), target.c_str()) != 0) return FileError("cannot write", key, errno);
    temporary.Keep();
    return Fsync(target.parent_path(), /*directory=*/true, key);
  }

  // The file of `key`; a key that is empty, absolute or climbs out of the
  // root with ".." is refused (keys come from table names, which are
  // checked, but the store does not rely on that).
  Result<fs::path> PathOf(std::string_view key) const {
    fs::path relative{std::string(key)};
    if (key.empty() || relative.is_absolute()) return Status::Invalid("bad object key '" + std::string(key) + "'");
    for (const auto& part : relative) {
      if (part == "..") return Status::Invalid("bad object key '" + std::string(key) + "'");
    }
    return root_ / relative;
  }

  fs::path root_;
};

}  // namespace

Result<std::unique_ptr<ObjectStore>> OpenLocalObjectStore(const fs::path& root) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return Status::IOError("cannot create the object store folder: " + ec.message());
  fs::path absolute = fs::absolute(root, ec);
  if (ec) return Status::IOError("cannot resolve the object store folder: " + ec.message());
  return std::unique_ptr<ObjectStore>(std::make_unique<LocalObjectStore>(absolute.lexically_normal()));
}

}  // namespace hangar::objstore
