#include "supervise/fatal.hpp"

#include <new>
#include <stdexcept>
#include <system_error>

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

std::string describe_exception(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::bad_alloc&) {
    return "out of memory";
  } catch (const std::length_error&) {
    return "out of memory";
  } catch (const std::system_error& x) {
    return x.code().value() ? fmt::format("{}", errstr(x.code().value())) : std::string(x.what());
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "unexpected error";
  }
}

int run_main(std::string_view prefix, const std::function<int()>& body, int unexpected_code) {
  ensure_std_fds();
  try {
    return body();
  } catch (const fatal_error& e) {
    write_stderr(diagnostic(prefix, "fatal", e.message, e.err));
    return e.exit_code;
  } catch (...) {
    // Printing may itself fail for want of memory: then only the code is left.
    try {
      write_stderr(diagnostic(prefix, "fatal", describe_exception(std::current_exception()), 0));
    } catch (...) {
    }
    return unexpected_code;
  }
}

}  // namespace supervise
