// runit-multi: the nine programs in one file, chosen by the name it is run
// under (the last component of argv[0]), as busybox does; installed as links
// with runit's names. Run under its own name, the program is argv[1]:
// `runit-multi sv status web`.

#include <cstdio>
#include <cstring>
#include <string_view>

#include "chpst.hpp"
#include "init.hpp"
#include "logger.hpp"
#include "runit_init.hpp"
#include "runsvchdir.hpp"
#include "runsvdir.hpp"
#include "supervisor.hpp"
#include "sv.hpp"
#include "utmpset.hpp"

namespace {

using entry = int (*)(int, char**);

struct program {
  const char* name;
  entry main;
};

constexpr program programs[] = {
    {"runsv", runsv::main},         {"sv", sv::main},
    {"runsvdir", runsvdir::main},   {"runsvchdir", runsvchdir::main},
    {"chpst", chpst::main},         {"svlogd", svlogd::main},
    {"runit", runit::main},         {"runit-init", runit::init_main},
    {"utmpset", utmpset::main},
    // chpst's personalities; init is runit-init when the kernel starts it.
    {"envdir", chpst::main},        {"envuidgid", chpst::main},
    {"pgrphack", chpst::main},      {"setlock", chpst::main},
    {"setuidgid", chpst::main},     {"softlimit", chpst::main},
    {"init", runit::init_main},
};

std::string_view last_component(const char* path) {
  std::string_view p = path ? path : "";
  auto slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

}  // namespace

int main(int argc, char** argv) {
  std::string_view name = last_component(argc > 0 ? argv[0] : nullptr);
  if (name == "runit-multi") {
    if (argc < 2) {
      std::fputs("usage: runit-multi program [argument ...]\nprograms:", stderr);
      for (const auto& p : programs) std::fprintf(stderr, " %s", p.name);
      std::fputs("\n", stderr);
      return 100;
    }
    ++argv;
    --argc;
    name = last_component(argv[0]);
  }
  for (const auto& p : programs)
    if (name == p.name) return p.main(argc, argv);
  // chpst drops one leading d from its name (denvdir is envdir, dchpst is
  // chpst): those names are chpst's here too.
  if (name.size() > 1 && name.front() == 'd') {
    std::string_view rest = name.substr(1);
    for (const auto& p : programs)
      if (p.main == chpst::main && rest == p.name) return chpst::main(argc, argv);
  }
  // Any other name is sv's: a link named after a service in /etc/init.d
  // makes sv an LSB init script (sv.8, LSB INIT SCRIPTS).
  return sv::main(argc, argv);
}
