#include "status_line.hpp"

#include <fmt/format.h>

namespace sv {

std::string status_line(const supervise::status& s, std::string_view label,
                        bool down_file, std::int64_t now) {
  using supervise::state;
  // As runit's sv: a state byte above 2 gets neither a name nor its ": ",
  // and every state but down shows the pid.
  const char* name = supervise::state_name(s.state);
  std::string out = *name ? fmt::format("{}: {}: ", name, label) : fmt::format("{}: ", label);
  if (s.state != state::down) out += fmt::format("(pid {}) ", s.pid);
  std::int64_t age = now - s.time.unix_seconds();
  out += fmt::format("{}s", age < 0 ? 0 : age);
  const bool pid = s.pid != 0;
  if (pid && down_file) out += ", normally down";
  if (!pid && !down_file) out += ", normally up";
  if (pid && s.paused) out += ", paused";
  // The want byte is taken literally: neither 'u' nor 'd' shows no want.
  const auto want = supervise::want_byte(s);
  if (!pid && want == 'u') out += ", want up";
  if (pid && want == 'd') out += ", want down";
  if (pid && s.got_term) out += ", got TERM";
  return out;
}

}  // namespace sv
