#include "supervise/inotify.hpp"

#include <cerrno>
#include <cstring>
#include <sys/inotify.h>
#include <unistd.h>

namespace supervise {

std::size_t drain_inotify(int fd, const std::function<void(const inotify_event_view&)>& on_event) {
  alignas(inotify_event) char buf[4096];
  std::size_t count = 0;
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == -1 && errno == EINTR) continue;
    if (n <= 0) return count;
    for (ssize_t off = 0; off + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
      inotify_event ev;
      std::memcpy(&ev, buf + off, sizeof ev);
      const char* name = buf + off + sizeof(inotify_event);
      std::string_view file = ev.len ? std::string_view(name, ::strnlen(name, ev.len)) : std::string_view();
      ++count;
      on_event({ev.wd, ev.mask, file});
      off += static_cast<ssize_t>(sizeof(inotify_event) + ev.len);
    }
  }
}

}  // namespace supervise
