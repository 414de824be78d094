#include "fixture.hpp"

namespace test {

void wait_recorder_ready(const std::string& dir, std::uint32_t pid, std::chrono::milliseconds timeout) {
  wait_until(
      [&] {
        auto l = read_lines(dir + "/starts");
        return !l.empty() && l.back() == std::to_string(pid);
      },
      "the run script (pid " + std::to_string(pid) + ") to set its traps", timeout,
      [&] { return "starts: " + read_file(dir + "/starts").value_or("<missing>"); });
}

void wait_signals(const std::string& dir, std::string_view expected, std::chrono::milliseconds timeout) {
  wait_until([&] { return read_file(dir + "/signals").value_or("") == expected; },
             "signals file \"" + std::string(expected) + "\"", timeout,
             [&] { return "signals: \"" + read_file(dir + "/signals").value_or("<missing>") + "\""; });
}

}  // namespace test
