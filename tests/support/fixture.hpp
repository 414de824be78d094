#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "service.hpp"
#include "temp_dir.hpp"

// One temporary parent directory holding one service directory "svc", the
// way runsvdir would see it (runsv is started with cwd = parent, arg "svc").

namespace test {

struct service_fixture {
  temp_dir root{"runsv-test"};
  std::string svc = root / "svc";

  service_fixture() { make_dir(svc); }
  // svc + "/" + rel.
  std::string at(std::string_view rel) const { return svc + "/" + std::string(rel); }
  // Lines of svc/rel (empty if missing).
  std::vector<std::string> lines(std::string_view rel) const { return read_lines(at(rel)); }
  // Content of svc/rel ("" if missing).
  std::string text(std::string_view rel) const { return read_file(at(rel)).value_or(""); }
};

// Waits until the signal_recorder run script in `dir` recorded `pid` as its
// latest start (its traps are set from then on).
void wait_recorder_ready(const std::string& dir, std::uint32_t pid,
                         std::chrono::milliseconds timeout = default_timeout);
// Waits until dir/signals holds exactly `expected`.
void wait_signals(const std::string& dir, std::string_view expected,
                  std::chrono::milliseconds timeout = default_timeout);

}  // namespace test
