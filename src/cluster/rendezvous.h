// Rendezvous (highest-random-weight) hashing: every node ranks the members
// for a key the same way, with no coordination beyond agreeing on the member
// list. When a member leaves, only the keys it ranked first move, each to its
// own next choice; the others stay put.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hangar::cluster {

// The weight of `member` for `key`: a 64-bit hash of both, well mixed.
uint64_t RendezvousWeight(std::string_view key, std::string_view member);

// `members` ordered by weight for `key`, highest (the owner) first; ties
// (astronomically rare) broken by name, so every node agrees.
std::vector<std::string> RankMembers(std::string_view key, std::vector<std::string> members);

}  // namespace hangar::cluster
