#include "objstore/s3_client.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <thread>

#include "objstore/digest.h"
#include "objstore/s3_error.h"
#include "objstore/s3_etag.h"
#include "objstore/s3_location.h"

namespace hangar::objstore {
namespace {

// The hash of an empty payload, sent with every request without a body.
constexpr const char* kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// Failures on the way that another attempt may not meet.
bool RetryableTransport(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return true;
    default: return false;
  }
}

bool RetryableAnswer(const S3Response& response) {
  if (response.status >= 500 || response.status == 429) return true;
  if (response.status != 400 && response.status != 409) return false;
  const std::string code = ParseS3Error(response.body).code;
  // RequestTimeout: the server gave up waiting for the body; BadDigest: the
  // body arrived damaged; ConditionalRequestConflict: a conditional write
  // raced another and should be sent again (which then meets the winner).
  return code == "RequestTimeout" || code == "BadDigest" || code == "ConditionalRequestConflict";
}

// What a transfer needs inside libcurl's callbacks.
struct Transfer {
  CURL* curl;
  const S3Request* request;
  S3Response* response;
  std::unique_ptr<Digest> md5;  // made at the first byte of a body worth hashing
  uint64_t sink_offset = 0;
  int sink_errno = 0;
};

bool Success(CURL* curl) {
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  return status >= 200 && status < 300;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (!Success(t->curl) || t->request->sink_fd < 0) {
    t->response->body.append(data, n);
  } else {
    size_t written = 0;
    while (written < n) {
      const ssize_t w =
          ::pwrite(t->request->sink_fd, data + written, n - written, static_cast<off_t>(t->sink_offset + written));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        t->sink_errno = errno;
        return 0;  // ends the transfer with CURLE_WRITE_ERROR
      }
      written += static_cast<size_t>(w);
    }
    t->sink_offset += n;
  }
  // A multipart object's ETag is no MD5 of its bytes: hashing them would
  // check nothing (and costs as much as the transfer on loopback).
  if (t->request->md5_of_body && !t->md5 && t->response->body_size == 0 && Success(t->curl) &&
      IsSinglePartEtag(t->response->Header("etag")))
    t->md5 = std::make_unique<Digest>(Digest::Algorithm::kMd5);
  if (t->md5) t->md5->Update(std::string_view(data, n));
  t->response->body_size += n;
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    // A new answer (after a 100 Continue, or a redirect): forget the last one's headers.
    t->response->headers.clear();
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  t->response->headers[name] = std::string(value);
  return n;
}

}  // namespace

std::string S3Response::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

Result<std::unique_ptr<S3Client>> S3Client::Make(const S3Options& options, std::string bucket) {
  std::string endpoint = options.endpoint;
  const bool aws = endpoint.empty();
  if (aws) endpoint = "https://s3." + options.region + ".amazonaws.com";
  const size_t scheme_end = endpoint.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : endpoint.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https")
    return Status::Invalid("the S3 endpoint must be http://HOST[:PORT] or https://HOST[:PORT], not '" + endpoint + "'");
  while (endpoint.ends_with("/")) endpoint.pop_back();
  const std::string host = endpoint.substr(scheme_end + 3);
  if (host.empty() || host.find('/') != std::string::npos || host.find('?') != std::string::npos ||
      host.find('@') != std::string::npos)
    return Status::Invalid("the S3 endpoint must be a scheme, a host and a port, without a path: '" + endpoint + "'");
  if (options.region.empty() || options.region.find(':') != std::string::npos)
    return Status::Invalid("bad S3 region '" + options.region + "'");
  if (options.access_key_id.find(':') != std::string::npos) return Status::Invalid("an S3 access key id has no ':'");
  const bool virtual_host =
      options.addressing == S3Addressing::kVirtualHost || (options.addressing == S3Addressing::kAuto && aws);
  std::string base = virtual_host ? scheme + "://" + bucket + "." + host : endpoint;
  return std::unique_ptr<S3Client>(new S3Client(options, std::move(bucket), std::move(base)));
}

S3Client::S3Client(S3Options options, std::string bucket, std::string base_url)
    : options_(std::move(options)),
      bucket_(std::move(bucket)),
      base_url_(std::move(base_url)),
      sigv4_("aws:amz:" + options_.region + ":s3"),
      pool_(16) {}

std::string S3Client::Url(const S3Request& request) const {
  const bool virtual_host = base_url_.find("://" + bucket_ + ".") != std::string::npos;
  std::string url = base_url_;
  if (!virtual_host) url += "/" + bucket_;
  url += "/" + UriEncode(request.key, /*keep_slash=*/true);
  auto query = request.query;
  std::sort(query.begin(), query.end());
  for (size_t i = 0; i < query.size(); ++i) {
    url += (i == 0 ? "?" : "&") + UriEncode(query[i].first, false) + "=" + UriEncode(query[i].second, false);
  }
  return url;
}

CURLcode S3Client::Perform(const S3Request& request, const std::string& url, S3Response* response, std::string* error) {
  CurlPool::Lease lease = pool_.Acquire();
  CURL* curl = lease.get();
  if (curl == nullptr) {
    *error = "libcurl could not make a handle";
    return CURLE_OUT_OF_MEMORY;
  }
  *response = S3Response();
  Transfer transfer{curl, &request, response, nullptr};
  if (request.sink_fd >= 0 && ::ftruncate(request.sink_fd, 0) != 0) {
    *error = std::string("cannot truncate the destination file: ") + std::strerror(errno);
    return CURLE_WRITE_ERROR;
  }

  CurlList headers;
  bool ok = true;
  const bool has_body = std::strcmp(request.method, "PUT") == 0 || std::strcmp(request.method, "POST") == 0;
  const std::string payload_hash = !has_body                      ? std::string(kEmptySha256)
                                   : !request.body_sha256.empty() ? Hex(request.body_sha256)
                                                                  : Hex(Sha256(request.body));
  ok = ok && Append(&headers, ("x-amz-content-sha256: " + payload_hash).c_str());
  if (!options_.session_token.empty())
    ok = ok && Append(&headers, ("x-amz-security-token: " + options_.session_token).c_str());
  if (has_body) ok = ok && Append(&headers, "Content-Type: application/octet-stream");
  for (const auto& h : request.headers) ok = ok && Append(&headers, h.c_str());
  if (!ok) {
    *error = "out of memory";
    return CURLE_OUT_OF_MEMORY;
  }

  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4_.c_str());
  curl_easy_setopt(curl, CURLOPT_USERNAME, options_.access_key_id.c_str());
  curl_easy_setopt(curl, CURLOPT_PASSWORD, options_.secret_access_key.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.stall_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  // A body goes at once, without waiting for "100 Continue" (S3 answers at
  // the end anyway). The usual way, a blank "Expect:" header, cannot be
  // used: libcurl 7.88 signs the blank header it then does not send.
  curl_easy_setopt(curl, CURLOPT_EXPECT_100_TIMEOUT_MS, 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  // Large reads: fewer callbacks and writes per object (the default is 16 KiB).
  curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, 512L << 10);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  if (has_body) {
    // Bodies leave in large writes (the default buffer is 64 KiB).
    curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, 1L << 20);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method);
  } else if (std::strcmp(request.method, "HEAD") == 0) {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (std::strcmp(request.method, "GET") != 0) {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method);
  }

  const CURLcode code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response->status);
  if (transfer.md5) {
    response->body_md5 = transfer.md5->Finish();
  } else if (request.md5_of_body && response->body_size == 0) {
    response->body_md5 = Md5("");
  }
  if (code != CURLE_OK) {
    *error = transfer.sink_errno != 0
                 ? std::string("cannot write the destination file: ") + std::strerror(transfer.sink_errno)
             : error_buffer[0] != 0 ? std::string(error_buffer)
                                    : std::string(curl_easy_strerror(code));
  }
  return code;
}

Result<S3Response> S3Client::Send(const S3Request& request) {
  const std::string url = Url(request);
  Backoff backoff(options_.retry);
  while (true) {
    S3Response response;
    std::string error;
    const CURLcode code = Perform(request, url, &response, &error);
    response.attempts = backoff.attempts();
    const bool transport_failed = code != CURLE_OK;
    if (transport_failed && !RetryableTransport(code)) {
      // A local failure (the destination file) or a TLS problem: trying again will not help.
      if (code == CURLE_WRITE_ERROR) return Status::IOError(error);
      return Status::Unavailable("cannot reach bucket '" + bucket_ + "' at " + base_url_ + ": " + error);
    }
    if (!transport_failed && !RetryableAnswer(response)) return response;
    const auto wait = backoff.Next();
    if (wait.count() < 0) {
      if (!transport_failed) return response;  // the caller maps the last 5xx
      return Status::Unavailable("cannot reach bucket '" + bucket_ + "' at " + base_url_ + " (" +
                                 std::to_string(response.attempts) + " attempts): " + error);
    }
    std::this_thread::sleep_for(wait);
  }
}

}  // namespace hangar::objstore
