#include "config.hpp"

#include <arpa/inet.h>

#include "supervise/scan.hpp"

namespace svlogd {

namespace {

using supervise::scan_ulong;

// "A.B.C.D[:PORT]": each part its low 8 bits, port 514 unless ":PORT".
void parse_udp(std::string_view value, config& c, std::vector<std::string>& warnings) {
  std::uint8_t ip[4];
  std::size_t at = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (at >= value.size() || value[at] != '.') {
        warnings.push_back("unable to scan ip address: " + std::string(value));
        return;
      }
      ++at;
    }
    unsigned long n = 0;
    std::size_t used = scan_ulong(value.substr(at), n);
    if (used == 0) {
      warnings.push_back("unable to scan ip address: " + std::string(value));
      return;
    }
    ip[part] = static_cast<std::uint8_t>(n & 0xff);
    at += used;
  }
  c.udp.sin_family = AF_INET;
  std::uint32_t addr = (std::uint32_t(ip[0]) << 24) | (std::uint32_t(ip[1]) << 16) |
                       (std::uint32_t(ip[2]) << 8) | ip[3];
  c.udp.sin_addr.s_addr = htonl(addr);
  unsigned long port = 514;
  if (at < value.size() && value[at] == ':') {
    std::string_view rest = value.substr(at + 1);
    port = scan_ulong(rest);
    if (port == 0) {
      warnings.push_back("unable to scan port number: " + std::string(rest));
      return;
    }
  }
  c.udp.sin_port = htons(static_cast<std::uint16_t>(port));
}

unsigned long with_unit(std::string_view value, char a, unsigned long fa, char b, unsigned long fb) {
  unsigned long n = 0;
  std::size_t used = scan_ulong(value, n);
  if (used < value.size()) {
    if (value[used] == a) n *= fa;
    else if (value[used] == b) n *= fb;
  }
  return n;
}

void apply_line(std::string_view line, config& c, std::vector<std::string>& warnings) {
  if (line.empty()) return;
  std::string_view value = line.substr(1);
  switch (line[0]) {
    case 's': c.size = with_unit(value, 'k', 1024, 'm', 1024 * 1024); break;
    case 'n': c.num = scan_ulong(value); break;
    case 'N': c.min = scan_ulong(value); break;
    case 't': c.timeout = with_unit(value, 'm', 60, 'h', 3600); break;
    case '!':
      if (!value.empty()) c.processor = value;
      break;
    case 'U':
      c.udp_only = true;  // set before the address is parsed, as runit does
      [[fallthrough]];
    case 'u': parse_udp(value, c, warnings); break;
    case 'p':
      if (!value.empty()) c.prefix = value;
      break;
    case '+': case '-': case 'e': case 'E':
      c.rules.push_back({line[0], std::string(value)});
      break;
    default: break;  // comments, empty lines and unknown letters
  }
}

}  // namespace

void parse_config(std::string_view text, config& c, std::vector<std::string>& warnings) {
  while (!text.empty()) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) {
      // runit drops a last unterminated line of a single byte.
      if (text.size() > 1) apply_line(text, c, warnings);
      return;
    }
    apply_line(text.substr(0, nl), c, warnings);
    text.remove_prefix(nl + 1);
  }
}

}  // namespace svlogd
