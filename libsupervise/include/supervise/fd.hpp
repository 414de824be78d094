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

// Writes PATH.new (created with `mode`, truncated), then renames it over
// PATH, so a reader sees the old content or the new, never a part. Returns
// nullptr, or the step that failed ("open", "write", "rename") with errno
// set; a failed write removes PATH.new. With check_write false a failed
// write is ignored and the rename still happens (runsv's stat and pid).
const char* replace_file(const std::string& path, std::string_view content,
                         mode_t mode = 0644, bool check_write = true);

// Opens /dev/null onto whichever of descriptors 0, 1 and 2 is closed, so
// that no file the program opens later becomes its standard input or
// output by accident. Returns a mask of the descriptors it filled (bit 1<<fd),
// or -1 when /dev/null cannot be opened. The first call's mask is kept:
// std_fds_filled() returns it (chpst closes those again before its exec, so
// the program it runs gets the descriptors chpst was given).
int ensure_std_fds() noexcept;
int std_fds_filled() noexcept;

// Sets or clears FD_CLOEXEC / O_NONBLOCK; false with errno on failure.
bool set_cloexec(int fd, bool on = true) noexcept;
bool set_nonblock(int fd, bool on = true) noexcept;

}  // namespace supervise
