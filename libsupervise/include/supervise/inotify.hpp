#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

// Reading an inotify descriptor: every event queued on it, parsed once here
// (sv's waits and runsvdir's watch use the same loop).

namespace supervise {

struct inotify_event_view {
  int wd;
  std::uint32_t mask;
  std::string_view name;  // empty for an event on the watched object itself
};

// Reads the (non-blocking) inotify descriptor until it has nothing more and
// calls `on_event` for each event. Returns the number of events seen.
std::size_t drain_inotify(int fd, const std::function<void(const inotify_event_view&)>& on_event);

}  // namespace supervise
