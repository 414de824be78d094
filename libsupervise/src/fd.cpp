#include "supervise/fd.hpp"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace supervise {

fd& fd::operator=(fd&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.release();
  }
  return *this;
}

fd::~fd() noexcept { close(); }

int fd::release() noexcept {
  int raw = fd_;
  fd_ = -1;
  return raw;
}

int fd::close() noexcept {
  if (fd_ < 0) return 0;
  // On Linux the descriptor is released even when close fails (EINTR
  // included), so retrying could close a number another open just reused.
  int rc = ::close(fd_);
  fd_ = -1;
  return rc == 0 ? 0 : errno;
}

fd open_fd(const char* path, int flags, mode_t mode) noexcept {
  for (;;) {
    int raw = ::open(path, flags, mode);
    if (raw >= 0) return fd{raw};
    if (errno != EINTR) return fd{};
  }
}

ssize_t read_some(int fd, std::span<std::byte> buf) noexcept {
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n >= 0 || errno != EINTR) return n;
  }
}

bool write_all(int fd, std::span<const std::byte> buf) noexcept {
  while (!buf.empty()) {
    ssize_t n = ::write(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    buf = buf.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

bool write_all(int fd, std::string_view text) noexcept {
  return write_all(fd, std::as_bytes(std::span{text.data(), text.size()}));
}

namespace {

bool set_flag(int fd, int get_cmd, int set_cmd, int flag, bool on) noexcept {
  int flags = ::fcntl(fd, get_cmd);
  if (flags == -1) return false;
  int wanted = on ? (flags | flag) : (flags & ~flag);
  if (wanted == flags) return true;
  return ::fcntl(fd, set_cmd, wanted) != -1;
}

}  // namespace

bool set_cloexec(int fd, bool on) noexcept {
  return set_flag(fd, F_GETFD, F_SETFD, FD_CLOEXEC, on);
}

bool set_nonblock(int fd, bool on) noexcept {
  return set_flag(fd, F_GETFL, F_SETFL, O_NONBLOCK, on);
}

std::optional<std::string> read_file(const char* path, int flags) {
  fd f = open_fd(path, flags | O_CLOEXEC);
  if (!f) return std::nullopt;
  std::string out;
  std::byte buf[4096];
  for (;;) {
    ssize_t n = read_some(f.get(), buf);
    if (n < 0) return std::nullopt;
    if (n == 0) return out;
    out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
  }
}

const char* replace_file(const std::string& path, std::string_view content,
                         mode_t mode, bool check_write) {
  const std::string tmp = path + ".new";
  fd file = open_fd(tmp.c_str(), O_WRONLY | O_NONBLOCK | O_TRUNC | O_CREAT | O_CLOEXEC, mode);
  if (!file) return "open";
  if (!write_all(file.get(), content) && check_write) {
    int err = errno;
    file.close();
    ::unlink(tmp.c_str());
    errno = err;
    return "write";
  }
  file.close();
  if (::rename(tmp.c_str(), path.c_str()) == -1) return "rename";
  return nullptr;
}

namespace {
int first_filled = -2;  // not called yet
}  // namespace

int ensure_std_fds() noexcept {
  int filled = 0;
  for (int target = 0; target <= 2; ++target) {
    if (::fcntl(target, F_GETFD) != -1 || errno != EBADF) continue;
    // The lowest free number is `target` itself.
    int null = ::open("/dev/null", O_RDWR);
    if (null == -1) {
      filled = -1;
      break;
    }
    if (null != target) {
      ::dup2(null, target);
      ::close(null);
    }
    filled |= 1 << target;
  }
  if (first_filled == -2) first_filled = filled;
  return filled;
}

int std_fds_filled() noexcept { return first_filled < 0 ? 0 : first_filled; }

}  // namespace supervise
