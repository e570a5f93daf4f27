// libcurl easy handles, owned and reused.
//
// A handle keeps its connections open between transfers, so requests to the
// same bucket skip the TCP (and TLS) handshake; the pool hands each request
// a handle no other request is using and takes it back afterwards. libcurl
// is initialised once for the process before the first handle is made.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <mutex>
#include <vector>

namespace hangar::objstore {

struct CurlEasyFree {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyFree>;

struct CurlListFree {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
// A header list; append with Append() below, which keeps ownership whole.
using CurlList = std::unique_ptr<curl_slist, CurlListFree>;

// Appends `line` to `list`; false when out of memory (the list is kept).
bool Append(CurlList* list, const char* line);

class CurlPool {
 public:
  // A handle lent by the pool: returned (reset, its connections kept) when
  // the lease ends. get() is null when libcurl could not make a handle.
  class Lease {
   public:
    Lease(CurlPool* pool, CurlEasy handle) : pool_(pool), handle_(std::move(handle)) {}
    ~Lease();
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    CURL* get() const { return handle_.get(); }

   private:
    CurlPool* pool_;
    CurlEasy handle_;
  };

  // At most `keep` idle handles are kept; more in use at once are made and
  // dropped as needed.
  explicit CurlPool(size_t keep);
  ~CurlPool();
  CurlPool(const CurlPool&) = delete;
  CurlPool& operator=(const CurlPool&) = delete;
  Lease Acquire();

 private:
  void Return(CurlEasy handle);

  const size_t keep_;
  std::mutex mu_;
  std::vector<CurlEasy> idle_;
};

}  // namespace hangar::objstore
