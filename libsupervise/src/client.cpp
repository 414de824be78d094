#include "supervise/client.hpp"

#include <array>
#include <cerrno>
#include <fcntl.h>

#include "supervise/fd.hpp"

namespace supervise {

namespace {

// Non-blocking always: a blocking open of a FIFO without a reader would hang
// the client forever; O_NONBLOCK turns that into ENXIO.
fd open_fifo_for_writing(const std::string& path) {
  return open_fd(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
}

}  // namespace

probe_result probe(const std::string& dir, int* err) {
  fd ok = open_fifo_for_writing(dir + "/supervise/ok");
  if (ok) return probe_result::running;
  if (errno == ENXIO) return probe_result::not_running;
  if (err) *err = errno;
  return probe_result::error;
}

send_result send_control(const std::string& dir, std::string_view bytes, int* err) {
  fd control = open_fifo_for_writing(dir + "/supervise/control");
  if (!control) {
    if (errno == ENXIO) return send_result::not_running;
    if (err) *err = errno;
    return send_result::error;
  }
  if (!write_all(control.get(), bytes)) {
    if (err) *err = errno;
    return send_result::error;
  }
  return send_result::sent;
}

read_result read_status(const std::string& dir, status& out, int* err) {
  fd file = open_fd((dir + "/supervise/status").c_str(),
                    O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (!file) {
    if (err) *err = errno;
    return read_result::error;
  }
  // One byte more than a record, so a longer file is seen as bad format.
  std::array<std::byte, status_size + 1> buf{};
  std::size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = read_some(file.get(), std::span{buf}.subspan(got));
    if (n < 0) {
      if (err) *err = errno;
      return read_result::error;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  auto decoded = decode(std::span{buf}.first(got));
  if (!decoded) return read_result::bad_format;
  out = *decoded;
  return read_result::ok;
}

}  // namespace supervise
