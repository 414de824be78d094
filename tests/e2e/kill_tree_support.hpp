#pragma once

#include <cerrno>
#include <csignal>
#include <string>
#include <vector>

#include "fixture.hpp"

// What the kill-tree tests share: whether a pid still exists, and the pids
// a service wrote to a file (its children), killed at the end of the test
// whatever happened, since the processes under test may outlive runsv.

namespace test {

inline bool pid_exists(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno != ESRCH); }

struct recorded_pids {
  service_fixture& f;
  std::string file;
  std::vector<pid_t> get() const {
    std::vector<pid_t> out;
    for (auto& l : f.lines(file))
      if (!l.empty()) out.push_back(static_cast<pid_t>(std::stol(l)));
    return out;
  }
  ~recorded_pids() {
    for (pid_t p : get())
      if (p > 1) ::kill(p, SIGKILL);
  }
};

}  // namespace test
