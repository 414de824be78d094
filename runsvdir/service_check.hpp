#pragma once

#include <string>
#include <time.h>

// Is a new service directory complete, so that its runsv can be started?
// (Beyond runit, which starts whatever it finds.) Complete: its `run` is a
// regular file, executable, not empty and open for writing by no process,
// and, if it has a `log` directory, so is log/run.

namespace runsvdir {

struct check_result {
  bool complete = false;
  bool being_written = false;  // a process has run (or log/run) open for writing
  std::string what;            // "run" or "log/run": the file that is not ready
  std::string why;             // e.g. "file does not exist", "not executable"
  // The newest change seen: mtime of the directory (and of log/), ctime of
  // the run files. Tells whether it has been left alone for a while.
  timespec newest{};
};

// Looks at NAME below the directory `dirfd` (runsvdir's DIR). Opens each
// run file read-only for a moment to ask for a read lease, which the kernel
// refuses while a writer has the file open; where leases cannot be had
// (another owner without CAP_LEASE, a file system without them) that part
// of the check is skipped.
check_result check_service(int dirfd, const std::string& name);

// True when `t` (a file time, CLOCK_REALTIME) lies at least `settle_ms`
// before now. A time in the future (the clock went back) counts as old.
bool older_than(const timespec& t, long settle_ms);

}  // namespace runsvdir
