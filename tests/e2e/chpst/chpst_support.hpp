#pragma once

// Shared by the chpst e2e and interop tests: where the binaries are, the
// probe the tests exec (tests/e2e/chpst/probe), links that give chpst a
// personality's name, and reading what the probe reported.

#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

#include "process.hpp"
#include "temp_dir.hpp"

namespace chpst_test {

inline std::string our_chpst() { return CHPST_BIN; }
inline std::string dir_of(const std::string& path) { return path.substr(0, path.rfind('/')); }
inline std::string bindir() { return dir_of(CHPST_BIN); }
// The static probe, built next to this tree's chpst, as a copy that every
// user can run (the tests run it under other uids; the build tree may be
// private).
inline std::string probe() { return test::runnable_by_all(dir_of(RUNIT_BUILT_CHPST) + "/chpst_probe"); }
// Our chpst, as a copy that every user can run: for a chpst started as another user.
inline std::string our_chpst_for_all() { return test::runnable_by_all(our_chpst()); }
// The personality links the build creates next to chpst (envdir -> chpst ...).
inline std::string personality(std::string_view name) { return bindir() + "/" + std::string(name); }
inline std::string debian_chpst() { return std::string(REFERENCE_BINDIR) + "/chpst"; }

// In a sanitized build, LeakSanitizer cannot work in a process that has
// chrooted or changed its uid, and says so at exit: keep it quiet.
inline test::spawn_options quiet_sanitizer(test::spawn_options o) {
  o.env.push_back("ASAN_OPTIONS=detect_leaks=0");
  return o;
}

// dir/name as a symlink to target; returns its path.
inline std::string link_as(const test::temp_dir& dir, std::string_view name, const std::string& target) {
  std::string path = dir / name;
  if (::symlink(target.c_str(), path.c_str()) != 0) throw std::runtime_error("symlink " + path);
  return path;
}

// The lines of text starting with prefix.
inline std::vector<std::string> lines_with(const std::string& text, std::string_view prefix) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string_view line(text.data() + pos, nl - pos);
    if (line.substr(0, prefix.size()) == prefix) out.emplace_back(line);
    pos = nl + 1;
  }
  return out;
}

// The soft limit column of /proc/self/limits for `resource` ("Max open files").
inline std::string soft_limit(const std::string& limits, std::string_view resource) {
  auto found = lines_with(limits, resource);
  if (found.empty()) return "?";
  std::string rest = found.front().substr(resource.size());
  std::size_t b = rest.find_first_not_of(' ');
  std::size_t e = rest.find(' ', b);
  return rest.substr(b, e - b);
}

// The usage lines, as runit 2.3.0 prints them (each then an empty line).
inline constexpr std::string_view usage_main_text =
    "[-vVP012] [-u user[:group]] [-U user[:group]] [-b argv0] [-e dir] [-/ root] [-C pwd] "
    "[-n nice] [-l|-L lock] [-m n] [-d n] [-o n] [-p n] [-f n] [-c n] [-t n] prog";
inline std::string usage(std::string_view prog, std::string_view text) {
  return "usage: " + std::string(prog) + " " + std::string(text) + "\n\n";
}
inline std::string usage_main(std::string_view prog = "chpst") { return usage(prog, usage_main_text); }

}  // namespace chpst_test
