#pragma once

#include <string>

#include "supervise/fd.hpp"
#include "supervise/status.hpp"

// The supervisor's side of a supervise/ directory
// (spec/supervise-protocol.md §2). Paths are relative to the current
// directory, which is the service directory (runsv chdirs there once).
// `dir` is "supervise" or "log/supervise".

namespace supervise {

// Result of a step that runit treats as fatal: err = errno, or -1 for
// "name too long" (a readlink target of 256 bytes or more).
struct dir_error {
  const char* what = nullptr;  // nullptr: success
  int err = 0;
  explicit operator bool() const noexcept { return what != nullptr; }
};

// mkdir(name, 0700); if that fails and `name` is a symlink, mkdir its target
// (one level, relative to the current directory, result ignored).
// Errors: "unable to readlink ./NAME" (+errno), or err = -1 for a target of
// 256 bytes or more ("unable to readlink ./NAME: name too long").
// `what` stays valid until the next call.
dir_error make_supervise_dir(const char* name);

// Opens DIR/lock (O_WRONLY|O_NONBLOCK|O_APPEND|O_CREAT, 0600) and flock()s it
// exclusively, non-blocking when `wait` is false.
// On failure `failed` says "open" or "lock" and errno is set.
fd take_lock(const std::string& dir, bool wait, const char** failed);

// The two ends runsv keeps on DIR/control.
struct control_fifo {
  fd reader;  // O_RDONLY|O_NONBLOCK, polled for commands
  fd writer;  // O_WRONLY|O_NONBLOCK, held so the FIFO never reports EOF
};

// mkfifo(DIR/control, 0600) (an existing one is kept), checks it is a FIFO,
// opens both ends close-on-exec. On failure `failed` is "stat", "fifo"
// (exists but is not a fifo) or "open", and errno is set.
control_fifo open_control(const std::string& dir, const char** failed);

// mkfifo(DIR/ok, 0600) and opens it O_RDONLY|O_NONBLOCK close-on-exec: while
// this fd is open, clients see a running runsv.
fd open_ok(const std::string& dir);

// Writes DIR/pid (when pid_changed), DIR/stat and DIR/status through *.new
// and rename(2), in that order, as runsv does. Failures are printed as
// runit's warnings with `prefix` ("runsv S") and do not stop the others.
void write_status_files(const std::string& dir, const status& s,
                        bool pid_changed, const std::string& prefix);

}  // namespace supervise
