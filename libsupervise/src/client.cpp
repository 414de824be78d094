#include "supervise/client.hpp"

#include <array>
#include <cerrno>
#include <fcntl.h>
#include <string>
#include <string_view>
#include <unistd.h>

#include "supervise/fd.hpp"

namespace supervise {

namespace {

// Non-blocking always: a blocking open of a FIFO without a reader would hang
// the client forever; O_NONBLOCK turns that into ENXIO.
fd open_fifo_for_writing(const char* path) {
  return open_fd(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
}

// DIR + REST, in a buffer reused from call to call (valid until the next):
// sv asks for every service it is given, a thousand at a time.
const char* path_of(const std::string& dir, std::string_view rest) {
  thread_local std::string path;
  path.assign(dir);
  path += rest;
  return path.c_str();
}

void set_err(int* err, int value) {
  if (err) *err = value;
}

}  // namespace

probe_result probe(const std::string& dir, int* err) {
  fd ok = open_fifo_for_writing(path_of(dir, "/supervise/ok"));
  if (ok) return probe_result::running;
  if (errno == ENXIO) return probe_result::not_running;
  set_err(err, errno);
  return probe_result::error;
}

send_result send_control(const std::string& dir, std::string_view bytes, int* err) {
  fd control = open_fifo_for_writing(path_of(dir, "/supervise/control"));
  if (!control) {
    if (errno == ENXIO) return send_result::not_running;
    set_err(err, errno);
    return send_result::open_failed;
  }
  ssize_t n;
  do {
    n = ::write(control.get(), bytes.data(), bytes.size());
  } while (n == -1 && errno == EINTR);
  if (n == -1) {
    set_err(err, errno);
    return send_result::write_failed;
  }
  if (static_cast<std::size_t>(n) != bytes.size()) {
    set_err(err, 0);
    return send_result::write_failed;
  }
  return send_result::sent;
}

read_result read_status(const std::string& dir, status& out, int* err) {
  fd file = open_fd(path_of(dir, "/supervise/status"),
                    O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (!file) {
    set_err(err, errno);
    return read_result::open_failed;
  }
  std::array<std::byte, status_size> buf{};
  ssize_t n = read_some(file.get(), buf);
  if (n < 0) {
    set_err(err, errno);
    return read_result::read_failed;
  }
  auto decoded = decode(std::span{buf}.first(static_cast<std::size_t>(n)));
  if (!decoded) return read_result::bad_format;
  out = *decoded;
  return read_result::ok;
}

}  // namespace supervise
