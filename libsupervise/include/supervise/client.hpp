#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "supervise/status.hpp"

// The client side of supervise/ (what sv does): is a runsv running, send
// control bytes, read the status record. `dir` is a service directory path
// ("svc", "/service/svc", "svc/log"); files are DIR/supervise/...

namespace supervise {

enum class probe_result {
  running,      // supervise/ok opened for writing: a runsv reads it
  not_running,  // ENXIO: the FIFO exists, nobody reads it
  error,        // any other errno (ENOENT: never supervised)
};

// Opens DIR/supervise/ok O_WRONLY|O_NONBLOCK and closes it at once.
// On probe_result::error, *err holds errno.
probe_result probe(const std::string& dir, int* err = nullptr);

enum class send_result { sent, not_running, error };

// Writes `bytes` to DIR/supervise/control (O_WRONLY|O_NONBLOCK); never blocks.
// On send_result::error, *err holds errno.
send_result send_control(const std::string& dir, std::string_view bytes,
                         int* err = nullptr);

enum class read_result { ok, error, bad_format };

// Reads DIR/supervise/status. bad_format when it is not 20 bytes.
// On read_result::error, *err holds errno.
read_result read_status(const std::string& dir, status& out, int* err = nullptr);

}  // namespace supervise
