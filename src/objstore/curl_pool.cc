#include "objstore/curl_pool.h"

namespace hangar::objstore {

bool Append(CurlList* list, const char* line) {
  curl_slist* grown = curl_slist_append(list->get(), line);
  if (grown == nullptr) return false;
  // curl_slist_append returns the same head once the list exists.
  if (list->get() == nullptr) list->reset(grown);
  return true;
}

CurlPool::Lease::~Lease() {
  if (handle_ != nullptr && pool_ != nullptr) pool_->Return(std::move(handle_));
}

CurlPool::CurlPool(size_t keep) : keep_(keep) {
  // Thread-safe since libcurl 7.84 and reference counted: any other user of
  // libcurl in the process (the schema registry client) may call it too.
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

CurlPool::~CurlPool() {
  idle_.clear();
  curl_global_cleanup();
}

CurlPool::Lease CurlPool::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      CurlEasy handle = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(handle));
    }
  }
  return Lease(this, CurlEasy(curl_easy_init()));
}

void CurlPool::Return(CurlEasy handle) {
  // Options go back to their defaults; the connection cache stays.
  curl_easy_reset(handle.get());
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < keep_) idle_.push_back(std::move(handle));
}

}  // namespace hangar::objstore
