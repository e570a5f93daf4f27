// ObjectStore: the few operations Hangar needs of a bucket.
//
// Tables are kept as Iceberg tables in an S3-compatible bucket (or, for a
// single machine and for tests, in a local folder laid out the same way).
// Everything above this layer speaks of keys relative to the store's root
// ("tables/orders/data/00001.parquet"); the store maps them to objects.
//
// The interface is deliberately small: whole-object writes (a Parquet file
// or a metadata file is written once and never changed), reads, listings,
// deletes, and one conditional write. Objects are immutable once written
// except where a caller replaces a key on purpose (Put over an existing key).
// PutIfAbsent is the one primitive a commit can rest on: the writer that
// creates `metadata/v7.metadata.json` first owns version 7.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace hangar::objstore {

struct ObjectInfo {
  std::string key;  // relative to the store's root
  uint64_t size = 0;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Writes `bytes` at `key`, replacing any object there. Returns OK only once
  // the store holds the bytes durably (the S3 PUT answered 200, or the file
  // and its folder are fsynced).
  virtual Status Put(std::string_view key, std::string_view bytes) = 0;
  // Writes the local file `source` at `key` (in parts when it is large).
  virtual Status PutFile(std::string_view key, const std::filesystem::path& source) = 0;
  // Writes `bytes` at `key` only if nothing is there: kAlreadyExists when an
  // object already is (another writer won).
  virtual Status PutIfAbsent(std::string_view key, std::string_view bytes) = 0;

  // The whole object; kNotFound when no object has that key.
  virtual Result<std::string> Get(std::string_view key) = 0;
  // Copies the object at `key` into the local file `destination`.
  virtual Status GetFile(std::string_view key, const std::filesystem::path& destination) = 0;
  // Every object whose key starts with `prefix`, in key order.
  virtual Result<std::vector<ObjectInfo>> List(std::string_view prefix) = 0;
  // Removes the object; a missing key is not an error.
  virtual Status Delete(std::string_view key) = 0;

  // The location an outside reader (pyiceberg, Spark) uses for `key`:
  // "s3://bucket/prefix/key" or "file:///folder/key".
  virtual std::string UriOf(std::string_view key) const = 0;
};

// A store in a local folder: each key a file under `root` (created if
// missing). Writes go through a temporary file, fsync and rename, so a crash
// leaves either the old object or the new one.
Result<std::unique_ptr<ObjectStore>> OpenLocalObjectStore(const std::filesystem::path& root);

}  // namespace hangar::objstore
