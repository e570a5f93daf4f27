#include "objstore/s3_object_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "base/base64.h"
#include "objstore/digest.h"
#include "objstore/s3_client.h"
#include "objstore/s3_error.h"
#include "objstore/s3_etag.h"
#include "objstore/s3_multipart_upload.h"
#include "objstore/xml_reader.h"

namespace hangar::objstore {
namespace {

namespace fs = std::filesystem;

Status CheckKey(std::string_view key) {
  bool valid = !key.empty() && key.front() != '/' && key.back() != '/';
  size_t at = 0;
  while (valid && at <= key.size()) {
    size_t slash = key.find('/', at);
    if (slash == std::string_view::npos) slash = key.size();
    const std::string_view segment = key.substr(at, slash - at);
    valid = !segment.empty() && segment != "." && segment != "..";
    at = slash + 1;
  }
  if (!valid) return Status::Invalid("bad object key '" + std::string(key) + "'");
  return Status::OK();
}

class S3ObjectStore final : public ObjectStore {
 public:
  S3ObjectStore(S3Location location, std::unique_ptr<S3Client> client)
      : location_(std::move(location)), client_(std::move(client)) {}

  Status Put(std::string_view key, std::string_view bytes) override { return Write(key, bytes, false); }

  Status PutFile(std::string_view key, const fs::path& source) override {
    HANGAR_RETURN_NOT_OK(CheckKey(key));
    std::error_code ec;
    const uint64_t size = fs::file_size(source, ec);
    if (ec) return Status::IOError("cannot read the file to upload as '" + std::string(key) + "': " + ec.message());
    if (size > client_->options().part_size)
      return UploadInParts(*client_, location_.ObjectKey(key), source, size, client_->options().part_size);
    std::ifstream in(source, std::ios::binary);
    std::string bytes(size, '\0');
    if (!in.read(bytes.data(), static_cast<std::streamsize>(size)))
      return Status::IOError("cannot read the file to upload as '" + std::string(key) + "'");
    return Put(key, bytes);
  }

  Status PutIfAbsent(std::string_view key, std::string_view bytes) override { return Write(key, bytes, true); }

  Result<std::string> Get(std::string_view key) override {
    HANGAR_ASSIGN_OR_RETURN(S3Response response, Read(key, -1));
    return std::move(response.body);
  }

  Status GetFile(std::string_view key, const fs::path& destination) override {
    const int fd = ::open(destination.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
      return Status::IOError("cannot create '" + destination.string() + "' for object '" + std::string(key) +
                             "': " + std::strerror(errno));
    auto response = Read(key, fd);
    const int closed = ::close(fd);
    Status st = response.status();
    if (st.ok() && closed != 0)
      st = Status::IOError("cannot write '" + destination.string() + "': " + std::strerror(errno));
    // No half-written copy is left where a reader could take it for the object.
    if (!st.ok()) ::unlink(destination.c_str());
    return st;
  }

  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    std::vector<ObjectInfo> objects;
    const std::string strip = location_.prefix.empty() ? "" : location_.prefix + "/";
    const std::string object_prefix = strip + std::string(prefix);
    std::string token;
    do {
      S3Request request;
      request.query = {{"list-type", "2"},
                       {"prefix", object_prefix},
                       {"max-keys", std::to_string(client_->options().list_page_size)},
                       {"encoding-type", "url"}};
      if (!token.empty()) request.query.emplace_back("continuation-token", token);
      HANGAR_ASSIGN_OR_RETURN(S3Response response, client_->Send(request));
      if (response.status != 200) return S3ErrorStatus(response, client_->bucket(), object_prefix);
      HANGAR_ASSIGN_OR_RETURN(token, ReadPage(response.body, strip, &objects));
    } while (!token.empty());
    // S3 lists in UTF-8 binary order, which is byte order: already sorted.
    return objects;
  }

  Status Delete(std::string_view key) override {
    HANGAR_RETURN_NOT_OK(CheckKey(key));
    S3Request request;
    request.method = "DELETE";
    request.key = location_.ObjectKey(key);
    HANGAR_ASSIGN_OR_RETURN(S3Response response, client_->Send(request));
    if (response.status == 204 || response.status == 200) return Status::OK();
    Status st = S3ErrorStatus(response, client_->bucket(), request.key);
    // Deleting what is not there is success (S3 itself answers 204).
    if (st.code() == StatusCode::kNotFound && ParseS3Error(response.body).code != "NoSuchBucket") return Status::OK();
    return st;
  }

  std::string UriOf(std::string_view key) const override { return location_.Uri(key); }

  // One ListObjectsV2 of at most one key: the bucket answers and the
  // credentials may read it.
  Status Probe() {
    S3Request request;
    request.query = {{"list-type", "2"}, {"max-keys", "1"}, {"prefix", location_.prefix}};
    HANGAR_ASSIGN_OR_RETURN(S3Response response, client_->Send(request));
    if (response.status != 200) return S3ErrorStatus(response, client_->bucket(), "");
    return Status::OK();
  }

 private:
  // One PUT. The body's SHA-256 is both the signed payload hash and its
  // checksum (x-amz-checksum-sha256), which the server checks the bytes
  // against and answers back: one hash for both, and a fast one.
  Status Write(std::string_view key, std::string_view bytes, bool if_absent) {
    HANGAR_RETURN_NOT_OK(CheckKey(key));
    S3Request request;
    request.method = "PUT";
    request.key = location_.ObjectKey(key);
    request.body_sha256 = Sha256(bytes);
    const std::string checksum = Base64Encode(request.body_sha256);
    request.headers = {"x-amz-checksum-sha256: " + checksum};
    if (if_absent) request.headers.push_back("If-None-Match: *");
    request.body = bytes;
    HANGAR_ASSIGN_OR_RETURN(S3Response response, client_->Send(request));
    if (response.status == 200)
      return CheckEchoedSha256(response.Header("x-amz-checksum-sha256"), checksum, What(request.key));
    Status st = S3ErrorStatus(response, client_->bucket(), request.key);
    if (!if_absent || st.code() != StatusCode::kFailedPrecondition) return st;
    if (response.attempts > 1) {
      // An earlier attempt may have written the object and lost its answer:
      // then the object is ours, byte for byte.
      auto there = Get(key);
      if (there.ok() && *there == bytes) return Status::OK();
    }
    return Status::AlreadyExists("object '" + request.key + "' already exists in bucket '" + client_->bucket() + "'");
  }

  Result<S3Response> Read(std::string_view key, int sink_fd) {
    HANGAR_RETURN_NOT_OK(CheckKey(key));
    S3Request request;
    request.key = location_.ObjectKey(key);
    request.sink_fd = sink_fd;
    request.md5_of_body = true;
    HANGAR_ASSIGN_OR_RETURN(S3Response response, client_->Send(request));
    if (response.status != 200) return S3ErrorStatus(response, client_->bucket(), request.key);
    HANGAR_RETURN_NOT_OK(CheckSinglePartEtag(response.Header("etag"), response.body_md5, What(request.key)));
    return response;
  }

  // Adds a ListObjectsV2 page's objects; returns its continuation token
  // (empty on the last page).
  Result<std::string> ReadPage(std::string_view body, const std::string& strip, std::vector<ObjectInfo>* objects) {
    HANGAR_ASSIGN_OR_RETURN(auto root, XmlChild(body, "ListBucketResult"));
    if (!root) return Status::IOError("the bucket's listing of '" + client_->bucket() + "' is not a ListBucketResult");
    HANGAR_ASSIGN_OR_RETURN(auto encoding, XmlChild(*root, "EncodingType"));
    const bool url_encoded = encoding && *encoding == "url";
    HANGAR_ASSIGN_OR_RETURN(auto contents, XmlChildren(*root, "Contents"));
    for (std::string_view entry : contents) {
      HANGAR_ASSIGN_OR_RETURN(auto key_element, XmlChild(entry, "Key"));
      HANGAR_ASSIGN_OR_RETURN(auto size_element, XmlChild(entry, "Size"));
      if (!key_element || !size_element) return Status::IOError("a listed object without Key or Size");
      HANGAR_ASSIGN_OR_RETURN(std::string key, XmlText(*key_element));
      if (url_encoded) {
        HANGAR_ASSIGN_OR_RETURN(key, UriDecode(key));
      }
      HANGAR_ASSIGN_OR_RETURN(std::string size_text, XmlText(*size_element));
      if (!key.starts_with(strip)) continue;  // not under the store's prefix (a server ignoring it)
      ObjectInfo info;
      info.key = key.substr(strip.size());
      info.size = std::strtoull(size_text.c_str(), nullptr, 10);
      objects->push_back(std::move(info));
    }
    HANGAR_ASSIGN_OR_RETURN(auto truncated, XmlChild(*root, "IsTruncated"));
    if (!truncated || *truncated != "true") return std::string();
    HANGAR_ASSIGN_OR_RETURN(auto next, XmlChild(*root, "NextContinuationToken"));
    if (!next || next->empty())
      return Status::IOError("the bucket's listing of '" + client_->bucket() + "' is truncated without a token");
    return XmlText(*next);
  }

  std::string What(const std::string& object_key) const {
    return "object '" + object_key + "' in bucket '" + client_->bucket() + "'";
  }

  S3Location location_;
  std::unique_ptr<S3Client> client_;
};

}  // namespace

Result<std::unique_ptr<ObjectStore>> OpenS3ObjectStore(const S3Location& location, const S3Options& options) {
  HANGAR_ASSIGN_OR_RETURN(auto client, S3Client::Make(options, location.bucket));
  auto store = std::make_unique<S3ObjectStore>(location, std::move(client));
  HANGAR_RETURN_NOT_OK(store->Probe().WithContext("cannot open " + location.Uri("")));
  return std::unique_ptr<ObjectStore>(std::move(store));
}

Status CreateS3Bucket(std::string_view bucket, const S3Options& options) {
  HANGAR_ASSIGN_OR_RETURN(auto client, S3Client::Make(options, std::string(bucket)));
  S3Request request;
  request.method = "PUT";
  // Outside us-east-1 the bucket's region is said in the body.
  const std::string body = options.region == "us-east-1"
                               ? ""
                               : "<CreateBucketConfiguration><LocationConstraint>" + options.region +
                                     "</LocationConstraint></CreateBucketConfiguration>";
  request.body = body;
  HANGAR_ASSIGN_OR_RETURN(S3Response response, client->Send(request));
  if (response.status == 200) return Status::OK();
  if (ParseS3Error(response.body).code == "BucketAlreadyOwnedByYou") return Status::OK();
  return S3ErrorStatus(response, bucket, "");
}

}  // namespace hangar::objstore
