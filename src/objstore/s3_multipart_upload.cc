#include "objstore/s3_multipart_upload.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "base/base64.h"
#include "objstore/digest.h"
#include "objstore/s3_error.h"
#include "objstore/s3_etag.h"
#include "objstore/xml_reader.h"

namespace hangar::objstore {
namespace {

constexpr uint64_t kMaxParts = 10000;

struct FileCloser {
  int fd;
  ~FileCloser() {
    if (fd >= 0) ::close(fd);
  }
};

Status ReadFully(int fd, uint64_t offset, size_t size, std::string* buffer) {
  buffer->resize(size);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, buffer->data() + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError(std::string("cannot read the file to upload: ") + std::strerror(errno));
    if (n == 0) return Status::IOError("the file to upload shrank while it was read");
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

std::string EscapeXml(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

class Upload {
 public:
  Upload(S3Client& client, const std::string& key) : client_(client), key_(key) {}

  Status Start() {
    S3Request request;
    request.method = "POST";
    request.key = key_;
    request.query = {{"uploads", ""}};
    request.headers = {"x-amz-checksum-algorithm: SHA256"};
    HANGAR_ASSIGN_OR_RETURN(S3Response response, client_.Send(request));
    if (response.status != 200) return S3ErrorStatus(response, client_.bucket(), key_);
    HANGAR_ASSIGN_OR_RETURN(auto root, XmlChild(response.body, "InitiateMultipartUploadResult"));
    if (!root) return Status::IOError("no InitiateMultipartUploadResult in the answer for " + What());
    HANGAR_ASSIGN_OR_RETURN(auto id, XmlChild(*root, "UploadId"));
    if (!id) return Status::IOError("no UploadId in the answer for " + What());
    HANGAR_ASSIGN_OR_RETURN(upload_id_, XmlText(*id));
    return Status::OK();
  }

  // A part's SHA-256 is its signed payload hash and its checksum, as a
  // single PUT's (s3_object_store.h).
  // Returns the part's entry of the completion's list. Safe to call from
  // two threads at once (the client is).
  Result<std::string> SendPart(int number, std::string_view bytes) const {
    S3Request request;
    request.method = "PUT";
    request.key = key_;
    request.query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id_}};
    request.body_sha256 = Sha256(bytes);
    const std::string checksum = Base64Encode(request.body_sha256);
    request.headers = {"x-amz-checksum-sha256: " + checksum};
    request.body = bytes;
    HANGAR_ASSIGN_OR_RETURN(S3Response response, client_.Send(request));
    const std::string part = "part " + std::to_string(number) + " of " + What();
    if (response.status != 200) return S3ErrorStatus(response, client_.bucket(), key_);
    const std::string etag = response.Header("etag");
    if (etag.empty()) return Status::IOError("no ETag for " + part);
    HANGAR_RETURN_NOT_OK(CheckEchoedSha256(response.Header("x-amz-checksum-sha256"), checksum, part));
    return "<Part><PartNumber>" + std::to_string(number) + "</PartNumber><ETag>" + EscapeXml(etag) +
           "</ETag><ChecksumSHA256>" + checksum + "</ChecksumSHA256></Part>";
  }

  void AddPart(const std::string& entry) { parts_xml_ += entry; }

  Status Complete() {
    const std::string body = "<CompleteMultipartUpload>" + parts_xml_ + "</CompleteMultipartUpload>";
    S3Request request;
    request.method = "POST";
    request.key = key_;
    request.query = {{"uploadId", upload_id_}};
    request.headers = {"Content-MD5: " + Base64Encode(Md5(body))};
    request.body = body;
    HANGAR_ASSIGN_OR_RETURN(S3Response response, client_.Send(request));
    // S3 may answer 200 and still fail the completion, with an <Error> body.
    if (response.status != 200 || !ParseS3Error(response.body).code.empty())
      return S3ErrorStatus(response, client_.bucket(), key_);
    HANGAR_ASSIGN_OR_RETURN(auto root, XmlChild(response.body, "CompleteMultipartUploadResult"));
    if (!root) return Status::IOError("no CompleteMultipartUploadResult in the answer for " + What());
    completed_ = true;
    return Status::OK();
  }

  // Gives the parts back; `failure` is what went wrong.
  Status Abort(const Status& failure) {
    if (upload_id_.empty() || completed_) return failure;
    S3Request request;
    request.method = "DELETE";
    request.key = key_;
    request.query = {{"uploadId", upload_id_}};
    auto response = client_.Send(request);
    Status aborted = !response.ok()                                       ? response.status()
                     : response->status == 204 || response->status == 200 ? Status::OK()
                     : response->status == 404                            ? Status::OK()  // already gone
                                               : S3ErrorStatus(*response, client_.bucket(), key_);
    if (aborted.ok()) return failure;
    return Status(failure.code(), failure.message() +
                                      "; aborting the upload failed too (its parts stay until the "
                                      "bucket's lifecycle removes them): " +
                                      aborted.message());
  }

 private:
  std::string What() const { return "object '" + key_ + "' in bucket '" + client_.bucket() + "'"; }

  S3Client& client_;
  const std::string& key_;
  std::string upload_id_;
  std::string parts_xml_;
  bool completed_ = false;
};

}  // namespace

Status UploadInParts(S3Client& client, const std::string& object_key, const std::filesystem::path& source,
                     uint64_t size, uint64_t part_size) {
  if (part_size == 0) return Status::Invalid("the part size must be positive");
  while ((size + part_size - 1) / part_size > kMaxParts) part_size *= 2;
  FileCloser file{::open(source.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) return Status::IOError("cannot open '" + source.string() + "' to upload: " + std::strerror(errno));
  Upload upload(client, object_key);
  HANGAR_RETURN_NOT_OK(upload.Start());
  // Two parts at a time: a part's round trip (the server storing it and
  // answering) overlaps the next one's transfer, as boto3's transfer
  // manager overlaps ten. Both parts are read first, in this thread; the
  // second goes from a helper thread while this one sends the first.
  std::string buffers[2];
  int number = 1;
  for (uint64_t offset = 0; offset < size; offset += 2 * part_size, number += 2) {
    const size_t first = static_cast<size_t>(std::min(part_size, size - offset));
    const size_t second = offset + first < size ? static_cast<size_t>(std::min(part_size, size - offset - first)) : 0;
    Status st = ReadFully(file.fd, offset, first, &buffers[0]);
    if (st.ok() && second > 0) st = ReadFully(file.fd, offset + first, second, &buffers[1]);
    if (!st.ok()) return upload.Abort(st);
    Result<std::string> second_entry = Status::Internal("part not sent");
    std::thread helper;
    if (second > 0) helper = std::thread([&] { second_entry = upload.SendPart(number + 1, buffers[1]); });
    Result<std::string> first_entry = upload.SendPart(number, buffers[0]);
    if (helper.joinable()) helper.join();
    if (!first_entry.ok()) return upload.Abort(first_entry.status());
    upload.AddPart(*first_entry);
    if (second > 0) {
      if (!second_entry.ok()) return upload.Abort(second_entry.status());
      upload.AddPart(*second_entry);
    }
  }
  Status st = upload.Complete();
  return st.ok() ? st : upload.Abort(st);
}

}  // namespace hangar::objstore
