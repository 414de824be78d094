#pragma once

#include <cstddef>
#include <fcntl.h>
#include <optional>
#include <string>
#include <span>
#include <string_view>
#include <sys/types.h>

// A move-only file descriptor and EINTR-safe I/O on raw descriptors.

namespace supervise {

class fd {
 public:
  fd() noexcept = default;
  explicit fd(int raw) noexcept : fd_(raw) {}
  fd(fd&& other) noexcept : fd_(other.release()) {}
  fd& operator=(fd&& other) noexcept;
  fd(const fd&) = delete;
  fd& operator=(const fd&) = delete;
  // Closes once; never retries close (a retry could close a reused number).
  ~fd() noexcept;

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  // Hands the descriptor out; this object no longer owns it.
  int release() noexcept;
  // Closes now; returns 0 or the errno of close(2) (the fd is gone either way).
  int close() noexcept;

 private:
  int fd_ = -1;
};

// open(2) retrying EINTR; an invalid fd and errno set on failure.
fd open_fd(const char* path, int flags, mode_t mode = 0) noexcept;

// read(2) retrying EINTR. Returns bytes read, 0 at EOF, -1 with errno.
ssize_t read_some(int fd, std::span<std::byte> buf) noexcept;
// write(2) of everything, retrying EINTR and short writes.
// Returns true, or false with errno set (EAGAIN on a full non-blocking fd).
bool write_all(int fd, std::span<const std::byte> buf) noexcept;
bool write_all(int fd, std::string_view text) noexcept;

// Reads the whole file at `path` (opened with `flags`, close-on-exec added).
// nullopt with errno set when the open or a read fails.
std::optional<std::string> read_file(const char* path, int flags = O_RDONLY) ;

// Sets or clears FD_CLOEXEC / O_NONBLOCK; false with errno on failure.
bool set_cloexec(int fd, bool on = true) noexcept;
bool set_nonblock(int fd, bool on = true) noexcept;

}  // namespace supervise
