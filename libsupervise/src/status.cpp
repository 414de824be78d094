#include "supervise/status.hpp"

namespace supervise {

std::array<std::byte, status_size> encode(const status& s) noexcept {
  std::array<std::byte, status_size> out{};
  const auto time = s.time.pack();
  for (std::size_t i = 0; i < time.size(); ++i) out[i] = time[i];
  // runsv packs a TAI64NA label and overwrites the attoseconds with the pid,
  // byte by byte from the low end: little-endian whatever the host is.
  auto pid = static_cast<std::uint32_t>(s.pid);
  for (std::size_t i = 12; i < 16; ++i, pid >>= 8)
    out[i] = static_cast<std::byte>(pid & 0xff);
  out[16] = static_cast<std::byte>(s.paused ? 1 : 0);
  out[17] = static_cast<std::byte>(want_byte(s));
  out[18] = static_cast<std::byte>(term_byte(s));
  out[19] = static_cast<std::byte>(s.state);
  return out;
}

std::optional<status> decode(std::span<const std::byte> bytes) noexcept {
  if (bytes.size() != status_size) return std::nullopt;
  status s;
  s.time = tai64n::unpack(bytes.first<12>());
  std::uint32_t pid = 0;
  for (std::size_t i = 16; i-- > 12;)
    pid = (pid << 8) | std::to_integer<std::uint32_t>(bytes[i]);
  s.pid = static_cast<pid_t>(pid);
  // sv tests these bytes for non-zero, so any non-zero value counts as set.
  s.paused = bytes[16] != std::byte{0};
  // Neither 'u' nor 'd' is neither: runit's sv then prints no want at all.
  const auto w = std::to_integer<std::uint8_t>(bytes[17]);
  if (w == 'u') s.wants = want::up;
  else if (w == 'd') s.wants = want::down;
  else {
    s.wants = want::other;
    s.other_want = w;
  }
  s.got_term = bytes[18] != std::byte{0};
  if (const auto t = std::to_integer<std::uint8_t>(bytes[18]); t > 1) s.other_term = t;
  s.state = static_cast<supervise::state>(std::to_integer<std::uint8_t>(bytes[19]));
  return s;
}

std::uint8_t term_byte(const status& s) noexcept {
  if (!s.got_term) return 0;
  return s.other_term ? s.other_term : 1;
}

std::uint8_t want_byte(const status& s) noexcept {
  switch (s.wants) {
    case want::up: return 'u';
    case want::down:
    case want::exit: return 'd';
    case want::other: break;
  }
  return s.other_want;
}

std::string stat_text(const status& s) {
  std::string text = state_name(s.state);
  if (s.paused) text += ", paused";
  if (s.got_term) text += ", got TERM";
  if (s.state != state::down) {
    if (s.wants == want::down) text += ", want down";
    if (s.wants == want::exit) text += ", want exit";
  }
  text += '\n';
  return text;
}

const char* state_name(supervise::state s) noexcept {
  switch (s) {
    case state::down: return "down";
    case state::run: return "run";
    case state::finish: return "finish";
  }
  // Like runit's sv, a state byte above 2 gets no name at all.
  return "";
}

}  // namespace supervise
