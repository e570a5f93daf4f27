#include "cluster/rendezvous.h"

#include <algorithm>

namespace hangar::cluster {

namespace {

// FNV-1a over the bytes, then SplitMix64's finalizer: FNV alone mixes the
// last bytes poorly, and member names often differ only in their port.
uint64_t Hash(std::string_view a, std::string_view b) {
  uint64_t h = 14695981039346656037ull;
  auto feed = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
  };
  feed(a);
  feed(std::string_view("\0", 1));
  feed(b);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

}  // namespace

uint64_t RendezvousWeight(std::string_view key, std::string_view member) { return Hash(key, member); }

std::vector<std::string> RankMembers(std::string_view key, std::vector<std::string> members) {
  std::sort(members.begin(), members.end(), [&](const std::string& x, const std::string& y) {
    const uint64_t wx = RendezvousWeight(key, x), wy = RendezvousWeight(key, y);
    return wx != wy ? wx > wy : x < y;
  });
  return members;
}

}  // namespace hangar::cluster
