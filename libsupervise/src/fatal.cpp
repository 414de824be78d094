#include "supervise/fatal.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include "supervise/errstr.hpp"
#include "supervise/fd.hpp"

namespace supervise {

std::string diagnostic(std::string_view prefix, std::string_view kind,
                       std::string_view msg, int err) {
  // sv's fatal lines carry no program name: an empty prefix is left out.
  std::string line = prefix.empty() ? std::string{}
                                    : fmt::format("{}: ", prefix);
  if (err != 0)
    return line + fmt::format("{}: {}: {}\n", kind, msg, errstr(err));
  return line + fmt::format("{}: {}\n", kind, msg);
}

void write_stderr(std::string_view line) noexcept {
  // Nothing sensible is left to report to if stderr itself fails.
  (void)write_all(STDERR_FILENO, line);
}

void warn(std::string_view prefix, std::string_view msg, int err) {
  write_stderr(diagnostic(prefix, "warning", msg, err));
}

int usage(std::string_view argv0, std::string_view text, int code) {
  write_stderr(fmt::format("usage: {} {}\n\n", argv0, text));
  return code;
}

int run_main(std::string_view prefix, const std::function<int()>& body) {
  try {
    return body();
  } catch (const fatal_error& e) {
    write_stderr(diagnostic(prefix, "fatal", e.message, e.err));
    return e.exit_code;
  }
}

}  // namespace supervise
