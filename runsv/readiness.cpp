#include "readiness.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "extensions.hpp"
#include "supervise/fatal.hpp"
#include "supervise/fd.hpp"
#include "supervise/tai64.hpp"

namespace runsv {

void readiness::prepare(supervise::spawn_spec& spec) {
  reset();
  auto fd = read_number_file("notification-fd");
  if (!fd) return;
  if (*fd < 3) {
    supervise::warn(prefix_, "notification-fd must be 3 or more, ignored");
    return;
  }
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) == -1) {
    supervise::warn(prefix_, "unable to create pipe for notification-fd", errno);
    return;
  }
  pipe_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, ends[0]);
  spec.extra_fd = ends[1];
  spec.extra_target = static_cast<int>(*fd);
  arm();
}

void readiness::reset() {
  pipe_.reset();
  ::unlink("supervise/ready");
}

void readiness::arm() {
  pipe_->async_wait(boost::asio::posix::descriptor_base::wait_read, [this](const boost::system::error_code& ec) {
    if (ec || !pipe_) return;
    char buf[256];
    ssize_t n = ::read(pipe_->native_handle(), buf, sizeof buf);
    if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
      arm();
      return;
    }
    if (n > 0 && std::memchr(buf, '\n', static_cast<std::size_t>(n))) {
      supervise::replace_file("supervise/ready", supervise::tai64n::now().label() + "\n");
      pipe_.reset();
      return;
    }
    if (n > 0) {
      arm();
      return;
    }
    pipe_.reset();  // closed without a newline: never ready
  });
}

}  // namespace runsv
