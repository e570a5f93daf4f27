// S3's error answers as Status values.
//
// An error answer is an HTTP status and, for most requests, an XML body
// <Error><Code>NoSuchKey</Code><Message>...</Message></Error>. The code is
// what decides: NoSuchKey and NoSuchBucket are kNotFound, the credential
// errors (AccessDenied, SignatureDoesNotMatch, InvalidAccessKeyId, ...)
// kPermissionDenied, PreconditionFailed kFailedPrecondition (PutIfAbsent
// turns it into kAlreadyExists), throttling and server errors kUnavailable,
// a damaged body kDataLoss, the rest kIOError. HEAD answers have no body:
// their HTTP status decides alone. Messages name the bucket and the key,
// never a credential.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "objstore/s3_client.h"

namespace hangar::objstore {

struct S3ErrorBody {
  std::string code;     // "NoSuchKey"; empty when the body is not an S3 error
  std::string message;  // the server's words
};
S3ErrorBody ParseS3Error(std::string_view body);

// `key` is the object key the request was about; empty: the bucket itself.
Status S3ErrorStatus(const S3Response& response, std::string_view bucket, std::string_view key);

}  // namespace hangar::objstore
