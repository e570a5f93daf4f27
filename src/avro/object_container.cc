#include "avro/object_container.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>

#include "avro/decoder.h"
#include "avro/varint.h"

namespace hangar::avro {

namespace {

// The header and block framing are Avro longs and bytes too.
class Cursor {
 public:
  explicit Cursor(std::string_view bytes)
      : pos_(reinterpret_cast<const uint8_t*>(bytes.data())), end_(pos_ + bytes.size()) {}
  bool AtEnd() const { return pos_ >= end_; }
  Result<int64_t> Long() {
    int64_t v = 0;
    switch (ReadLong(&pos_, end_, &v)) {
      case VarintResult::kOk: return v;
      case VarintResult::kTruncated: return Status::Invalid("Avro container file is truncated");
      case VarintResult::kTooLong: break;
    }
    return Status::Invalid("Avro container file has a malformed number");
  }
  Result<std::string_view> Bytes(int64_t n) {
    if (n < 0 || end_ - pos_ < n) return Status::Invalid("Avro container file is truncated");
    std::string_view out(reinterpret_cast<const char*>(pos_), static_cast<size_t>(n));
    pos_ += n;
    return out;
  }
  Result<std::string_view> LengthPrefixed() {
    HANGAR_ASSIGN_OR_RETURN(auto n, Long());
    return Bytes(n);
  }

 private:
  const uint8_t* pos_;
  const uint8_t* end_;
};

Result<std::string> Inflate(std::string_view in) {
  z_stream z{};
  if (inflateInit2(&z, -15) != Z_OK) return Status::Internal("zlib: cannot start inflating");
  std::string out;
  char buf[1 << 16];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) return Status::Invalid("Avro block: deflate data is corrupt");
  return out;
}

Result<std::string> Unzstd(std::string_view in) {
  // Writers may leave the content size out of the frame: decompress as a stream.
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) return Status::Internal("zstd: cannot create a context");
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  std::string out;
  char buf[1 << 16];
  size_t rc = 1;
  while (input.pos < input.size || rc != 0) {
    ZSTD_outBuffer output{buf, sizeof buf, 0};
    rc = ZSTD_decompressStream(ctx.get(), &output, &input);
    if (ZSTD_isError(rc))
      return Status::Invalid(std::string("Avro block: zstandard data is corrupt: ") + ZSTD_getErrorName(rc));
    out.append(buf, output.pos);
    if (output.pos == 0 && input.pos == input.size && rc != 0)
      return Status::Invalid("Avro block: zstandard data is cut short");
  }
  return out;
}

}  // namespace

Result<ContainerFile> ReadContainerFile(std::string_view bytes) {
  if (bytes.size() < 4 || bytes.substr(0, 4) != std::string_view("Obj\x01", 4))
    return Status::Invalid("not an Avro container file (no Obj\\x01 magic)");
  Cursor c(bytes.substr(4));
  std::map<std::string, std::string> meta;
  while (true) {
    HANGAR_ASSIGN_OR_RETURN(auto count, c.Long());
    if (count == 0) break;
    if (count < 0) {
      if (count == INT64_MIN) return Status::Invalid("Avro file header: metadata block count out of range");
      count = -count;
      HANGAR_RETURN_NOT_OK(c.Long().status());
    }
    // Every entry takes at least two bytes (key and value lengths).
    if (count > static_cast<int64_t>(bytes.size()))
      return Status::Invalid("Avro file header: a metadata block claims " + std::to_string(count) + " entries");
    for (int64_t i = 0; i < count; ++i) {
      HANGAR_ASSIGN_OR_RETURN(auto key, c.LengthPrefixed());
      HANGAR_ASSIGN_OR_RETURN(auto value, c.LengthPrefixed());
      meta[std::string(key)] = std::string(value);
    }
  }
  HANGAR_ASSIGN_OR_RETURN(auto sync, c.Bytes(16));
  ContainerFile file;
  if (!meta.count("avro.schema")) return Status::Invalid("Avro container file has no avro.schema");
  file.schema_json = meta["avro.schema"];
  file.codec = meta.count("avro.codec") ? meta["avro.codec"] : "null";
  if (file.codec != "null" && file.codec != "deflate" && file.codec != "zstandard")
    return Status::Unimplemented("Avro codec '" + file.codec + "' is not supported (null, deflate, zstandard)");
  HANGAR_ASSIGN_OR_RETURN(file.schema, AvroSchema::Parse(file.schema_json));
  HANGAR_ASSIGN_OR_RETURN(auto decoder, Decoder::Make(file.schema));
  while (!c.AtEnd()) {
    HANGAR_ASSIGN_OR_RETURN(auto count, c.Long());
    HANGAR_ASSIGN_OR_RETURN(auto data, c.LengthPrefixed());
    if (count < 0) return Status::Invalid("Avro block with a negative record count");
    std::string plain;
    if (file.codec == "deflate") {
      HANGAR_ASSIGN_OR_RETURN(plain, Inflate(data));
      data = plain;
    } else if (file.codec == "zstandard") {
      HANGAR_ASSIGN_OR_RETURN(plain, Unzstd(data));
      data = plain;
    }
    const auto* pos = reinterpret_cast<const uint8_t*>(data.data());
    const auto* end = pos + data.size();
    // Records of no bytes are possible (a record of nulls), but not billions from a few bytes.
    if (count > static_cast<int64_t>(data.size()) && count > (int64_t{1} << 20))
      return Status::Invalid("Avro block claims " + std::to_string(count) + " records, more than its data can hold");
    for (int64_t i = 0; i < count; ++i) {
      Status st = decoder->Append(&pos, end);
      if (!st.ok())
        return st.WithContext("record " + std::to_string(i) + " of block " + std::to_string(file.batches.size()));
    }
    if (pos != end) return Status::Invalid("Avro block has bytes after its records");
    HANGAR_ASSIGN_OR_RETURN(auto marker, c.Bytes(16));
    if (marker != sync) return Status::Invalid("Avro block does not end with the file's sync marker");
    HANGAR_ASSIGN_OR_RETURN(auto batch, decoder->Flush());
    file.batches.push_back(std::move(batch));
  }
  return file;
}

namespace {

void WriteBytes(std::string_view bytes, std::string* out) {
  WriteLong(static_cast<int64_t>(bytes.size()), out);
  out->append(bytes);
}

}  // namespace

std::string WriteContainerFile(std::string_view schema_json, const std::vector<std::string>& datums,
                               size_t block_records) {
  return WriteContainerFile(schema_json, datums, {}, block_records);
}

std::string WriteContainerFile(std::string_view schema_json, const std::vector<std::string>& datums,
                               const std::vector<std::pair<std::string, std::string>>& metadata, size_t block_records) {
  // Any 16 bytes will do; these depend on the schema only (FNV-1a, twice).
  std::string sync(16, '\0');
  uint64_t hash = 1469598103934665603ull;
  for (size_t i = 0; i < 16; ++i) {
    for (char c : schema_json) hash = (hash ^ static_cast<uint8_t>(c)) * 1099511628211ull;
    hash = (hash ^ i) * 1099511628211ull;
    sync[i] = static_cast<char>(hash >> 56);
  }
  std::string out("Obj\x01", 4);
  WriteLong(static_cast<int64_t>(2 + metadata.size()), &out);  // the metadata map: one block
  for (const auto& [key, value] : metadata) {
    WriteBytes(key, &out);
    WriteBytes(value, &out);
  }
  WriteBytes("avro.schema", &out);
  WriteBytes(schema_json, &out);
  WriteBytes("avro.codec", &out);
  WriteBytes("null", &out);
  WriteLong(0, &out);  // end of the map
  out += sync;
  block_records = std::max<size_t>(block_records, 1);
  for (size_t first = 0; first < datums.size(); first += block_records) {
    const size_t last = std::min(datums.size(), first + block_records);
    size_t size = 0;
    for (size_t i = first; i < last; ++i) size += datums[i].size();
    WriteLong(static_cast<int64_t>(last - first), &out);
    WriteLong(static_cast<int64_t>(size), &out);
    for (size_t i = first; i < last; ++i) out += datums[i];
    out += sync;
  }
  return out;
}

}  // namespace hangar::avro
