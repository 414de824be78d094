#pragma once

#include <exception>
#include <functional>
#include <string>
#include <string_view>

// runit-shaped diagnostics: "PREFIX: fatal: MSG[: ERRSTR]" and
// "PREFIX: warning: MSG[: ERRSTR]" on stderr, one write(2) per line.

namespace supervise {

// Thrown where runit dies; run_main prints it and returns exit_code.
struct fatal_error {
  int exit_code;
  std::string message;
  int err = 0;  // errno to append as ": ERRSTR"; 0 appends nothing
};

// Formats "PREFIX: KIND: MSG" and, when err != 0, ": ERRSTR", plus "\n";
// an empty prefix gives "KIND: MSG..." (sv's fatal lines).
std::string diagnostic(std::string_view prefix, std::string_view kind,
                       std::string_view msg, int err);

// Writes `line` to stderr with write(2), retrying EINTR and short writes.
void write_stderr(std::string_view line) noexcept;

// Prints "PREFIX: warning: MSG[: ERRSTR]".
void warn(std::string_view prefix, std::string_view msg, int err = 0);

// Prints "usage: ARGV0 USAGE" and an empty line to stderr; returns `code`.
int usage(std::string_view argv0, std::string_view text, int code);

// Every program's main runs its body through here. First any of the
// descriptors 0, 1 and 2 that is closed gets /dev/null (ensure_std_fds).
// Then body(); on fatal_error it prints "PREFIX: fatal: ..." and returns its
// exit_code; on any other exception it prints "PREFIX: fatal: out of memory"
// (std::bad_alloc, std::length_error) or "PREFIX: fatal: WHAT" and returns
// `unexpected_code` (the program's fatal exit code): nothing aborts. The
// body's return value is the program's exit code.
int run_main(std::string_view prefix, const std::function<int()>& body,
             int unexpected_code = 111);

// The text run_main prints for an exception other than fatal_error.
std::string describe_exception(std::exception_ptr e);

}  // namespace supervise
