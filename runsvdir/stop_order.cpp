// Beyond runit, with runsv's dependencies.d: a whole-tree stop (a
// container's TERM, HUP) sends TERM to a service's runsv only once no
// service that depends on it still has a runsv, so dependants stop before
// what they need. Without any dependencies.d in DIR every runsv gets its
// TERM at once, as with runit.

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <csignal>

#include "runsvdir.hpp"

namespace runsvdir {

namespace {

// The names in DIR/NAME/dependencies.d (dot files left out), through dir_fd.
std::vector<std::string> dependency_names(int dir_fd, const std::string& name) {
  std::vector<std::string> names;
  int fd = ::openat(dir_fd, (name + "/dependencies.d").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd == -1) return names;
  DIR* d = ::fdopendir(fd);
  if (!d) {
    ::close(fd);
    return names;
  }
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') names.emplace_back(e->d_name);
  ::closedir(d);
  return names;
}

}  // namespace

// Reads every running service's dependencies.d; true if any has one.
bool scanner::read_dependencies() {
  needs_.clear();
  bool any = false;
  if (!dir_fd_) return false;
  table_.for_each([&](const service_key& key, service_entry& e) {
    if (!e.pid || e.names.empty()) return;
    for (const auto& dep : dependency_names(dir_fd_.get(), e.names.front())) {
      any = true;
      if (auto k = table_.key_of(dep); k && !(*k == key)) needs_[key].push_back(*k);
    }
  });
  return any;
}

void scanner::begin_ordered_stop() {
  termed_.clear();
  ordered_ = read_dependencies();
  stop_step();
}

// TERMs every runsv that no running service needs any more. When none can
// go and none of those already told is still running (a cycle), the rest
// go at once.
void scanner::stop_step() {
  std::vector<std::pair<service_key, pid_t>> live;
  table_.for_each([&](const service_key& key, service_entry& e) {
    if (e.pid) live.emplace_back(key, e.pid);
  });
  auto running = [&](const service_key& k) {
    for (auto& [key, pid] : live)
      if (key == k) return true;
    return false;
  };
  auto needed = [&](const service_key& k) {
    if (!ordered_) return false;
    for (auto& [key, pid] : live) {
      auto it = needs_.find(key);
      if (it == needs_.end()) continue;
      for (auto& dep : it->second)
        if (dep == k) return true;
    }
    return false;
  };
  bool told = false, waiting_on_told = false;
  for (auto& [key, pid] : live) {
    if (termed_.count(key)) {
      waiting_on_told = true;
      continue;
    }
    if (needed(key)) continue;
    ::kill(pid, SIGTERM);
    termed_.insert(key);
    told = true;
  }
  if (told || waiting_on_told) return;
  for (auto& [key, pid] : live) {
    if (running(key) && !termed_.count(key)) {
      ::kill(pid, SIGTERM);
      termed_.insert(key);
    }
  }
}

}  // namespace runsvdir
