#include "status_line.hpp"

#include <charconv>

namespace sv {

namespace {

// A line's pieces, gathered in a local buffer before one append: -Os makes
// every std::string append a call, and sv prints a line per service.
class pieces {
 public:
  void add(std::string_view text) {
    text = text.substr(0, sizeof buf_ - used_);
    text.copy(buf_ + used_, text.size());
    used_ += text.size();
  }
  template <class Int>
  void number(Int n) {
    auto [end, ec] = std::to_chars(buf_ + used_, buf_ + sizeof buf_, n);
    if (ec == std::errc()) used_ = static_cast<std::size_t>(end - buf_);
  }
  void flush_to(std::string& out) {
    out.append(buf_, used_);
    used_ = 0;
  }

 private:
  char buf_[160];
  std::size_t used_ = 0;
};

}  // namespace

// sv prints one line per service; with a thousand services fmt's parsing of
// a format string each time was half of sv's work.
void append_status_line(std::string& out, const supervise::status& s, std::string_view label,
                        bool down_file, std::int64_t now) {
  using supervise::state;
  pieces p;
  // As runit's sv: a state byte above 2 gets neither a name nor its ": ",
  // and every state but down shows the pid.
  const std::string_view name = supervise::state_name(s.state);
  if (!name.empty()) {
    p.add(name);
    p.add(": ");
  }
  p.flush_to(out);
  out += label;
  p.add(": ");
  if (s.state != state::down) {
    p.add("(pid ");
    p.number(s.pid);
    p.add(") ");
  }
  const std::int64_t age = now - s.time.unix_seconds();
  p.number(age < 0 ? 0 : age);
  p.add("s");
  const bool pid = s.pid != 0;
  if (pid && down_file) p.add(", normally down");
  if (!pid && !down_file) p.add(", normally up");
  if (pid && s.paused) p.add(", paused");
  // The want byte is taken literally: neither 'u' nor 'd' shows no want.
  const auto want = supervise::want_byte(s);
  if (!pid && want == 'u') p.add(", want up");
  if (pid && want == 'd') p.add(", want down");
  if (pid && s.got_term) p.add(", got TERM");
  p.flush_to(out);
}

std::string status_line(const supervise::status& s, std::string_view label, bool down_file, std::int64_t now) {
  std::string out;
  append_status_line(out, s, label, down_file, now);
  return out;
}

}  // namespace sv
