#include "objstore/s3_error.h"

#include "objstore/xml_reader.h"

namespace hangar::objstore {
namespace {

std::string TextOf(std::string_view parent, std::string_view name) {
  auto child = XmlChild(parent, name);
  if (!child.ok() || !child->has_value()) return "";
  auto text = XmlText(**child);
  return text.ok() ? *text : "";
}

}  // namespace

S3ErrorBody ParseS3Error(std::string_view body) {
  S3ErrorBody error;
  auto root = XmlChild(body, "Error");
  if (!root.ok() || !root->has_value()) return error;
  error.code = TextOf(**root, "Code");
  error.message = TextOf(**root, "Message");
  return error;
}

Status S3ErrorStatus(const S3Response& response, std::string_view bucket, std::string_view key) {
  const S3ErrorBody error = ParseS3Error(response.body);
  std::string code = error.code;
  if (code.empty()) {
    // A HEAD answer, or a proxy's page: the status alone.
    switch (response.status) {
      case 301:
      case 307: code = "PermanentRedirect"; break;
      case 403: code = "AccessDenied"; break;
      case 404: code = key.empty() ? "NoSuchBucket" : "NoSuchKey"; break;
      case 412: code = "PreconditionFailed"; break;
      default: code = "HTTP " + std::to_string(response.status);
    }
  }
  const std::string object = key.empty() ? "bucket '" + std::string(bucket) + "'"
                                         : "object '" + std::string(key) + "' in bucket '" + std::string(bucket) + "'";
  std::string detail = code;
  if (!error.message.empty()) detail += ": " + error.message;
  if (response.attempts > 1) detail += " (after " + std::to_string(response.attempts) + " attempts)";

  if (code == "NoSuchKey") return Status::NotFound("no " + object + " (" + detail + ")");
  if (code == "NoSuchBucket")
    return Status::NotFound("bucket '" + std::string(bucket) + "' does not exist (" + detail + ")");
  if (code == "AccessDenied" || code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId" ||
      code == "InvalidToken" || code == "ExpiredToken" || code == "TokenRefreshRequired" ||
      code == "AllAccessDisabled" || code == "AccountProblem" || code == "RequestTimeTooSkewed" ||
      response.status == 401 || response.status == 403)
    return Status::PermissionDenied("access to " + object + " refused: " + detail);
  if (code == "PreconditionFailed" || response.status == 412)
    return Status::FailedPrecondition("a condition on " + object + " does not hold: " + detail);
  if (code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed")
    return Status::Invalid(object + " is in another region or at another endpoint: " + detail);
  if (code == "BadDigest" || code == "InvalidDigest") return Status::DataLoss(object + " arrived damaged: " + detail);
  if (response.status >= 500 || response.status == 429 || code == "SlowDown" || code == "RequestTimeout" ||
      code == "ServiceUnavailable")
    return Status::Unavailable("the server could not serve " + object + ": " + detail);
  return Status::IOError("request on " + object + " failed: " + detail);
}

}  // namespace hangar::objstore
