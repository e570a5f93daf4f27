#include "flight/client_address.h"

namespace hangar::flight {

std::string ClientAddress(std::string_view peer) {
  std::string_view rest = peer;
  if (rest.starts_with("ipv4:")) {
    rest.remove_prefix(5);
    return std::string(rest.substr(0, rest.rfind(':')));
  }
  if (rest.starts_with("ipv6:[")) {
    rest.remove_prefix(6);
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return std::string(peer);
    std::string_view address = rest.substr(0, close);
    // An IPv4 client of a dual-stack socket is the same client as over IPv4.
    if (address.starts_with("::ffff:") && address.find('.') != std::string_view::npos) address.remove_prefix(7);
    return std::string(address);
  }
  return std::string(peer);
}

}  // namespace hangar::flight
