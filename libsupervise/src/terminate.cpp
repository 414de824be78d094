// std::terminate's message without libstdc++'s verbose handler, which
// brings the C++ demangler (47 KB) into every static program. Compiled into
// each program (an INTERFACE source of libsupervise) so that the linker
// finds this definition before the one in libstdc++.a. A program of this
// suite reaching it is a bug: say so as libstdc++ would, with the type's
// mangled name, and abort.

#include <cstdlib>
#include <cxxabi.h>
#include <exception>
#include <typeinfo>
#include <unistd.h>

namespace {

void say(const char* text) {
  std::size_t n = 0;
  while (text[n] != '\0') ++n;
  while (n > 0) {
    ssize_t w = ::write(2, text, n);
    if (w <= 0) return;
    text += w;
    n -= static_cast<std::size_t>(w);
  }
}

}  // namespace

namespace __gnu_cxx {

void __verbose_terminate_handler() {
  static bool again = false;
  if (again) {
    say("terminate called recursively\n");
    std::abort();
  }
  again = true;
  if (const std::type_info* type = abi::__cxa_current_exception_type()) {
    say("terminate called after throwing an instance of '");
    say(type->name());
    say("'\n");
    try {
      throw;
    } catch (const std::exception& e) {
      say("  what():  ");
      say(e.what());
      say("\n");
    } catch (...) {
    }
  } else {
    say("terminate called without an active exception\n");
  }
  std::abort();
}

}  // namespace __gnu_cxx
