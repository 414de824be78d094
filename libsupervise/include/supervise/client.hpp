#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "supervise/status.hpp"

// The client side of supervise/ (what sv does, step by step as runit's sv
// does it): is a runsv running, send control bytes, read the status record.
// `dir` is a service directory path ("svc", "/service/svc", "svc/log", ".");
// files are DIR/supervise/... Each result names the step that failed, so
// the caller can print runit's message for it.

namespace supervise {

enum class probe_result {
  running,      // supervise/ok opened for writing: a runsv reads it
  not_running,  // ENXIO: the FIFO exists, nobody reads it
  error,        // any other errno (ENOENT: never supervised)
};

// Opens DIR/supervise/ok O_WRONLY|O_NONBLOCK and closes it at once.
// On probe_result::error, *err holds errno.
probe_result probe(const std::string& dir, int* err = nullptr);

enum class send_result {
  sent,
  not_running,   // ENXIO on the open: nobody reads the FIFO
  open_failed,   // any other errno of the open
  write_failed,  // the write failed (*err = errno) or was short (*err = 0)
};

// Opens DIR/supervise/control O_WRONLY|O_NONBLOCK (never blocks) and writes
// `bytes` with one write(2), as runit's sv does: a FIFO takes up to
// PIPE_BUF bytes whole or not at all (EAGAIN when full).
// On open_failed / write_failed, *err holds errno (0 for a short write).
send_result send_control(const std::string& dir, std::string_view bytes,
                         int* err = nullptr);

enum class read_result {
  ok,
  open_failed,  // *err = errno of the open
  read_failed,  // *err = errno of the read
  bad_format,   // fewer than 20 bytes
};

// Reads DIR/supervise/status with one read(2) of 20 bytes, as runit's sv
// does: bad_format when fewer come back; bytes past the 20th are not read.
// `out` is only changed on ok.
read_result read_status(const std::string& dir, status& out, int* err = nullptr);

}  // namespace supervise
