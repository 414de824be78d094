// runsvchdir against Debian's /usr/sbin/runsvchdir. Debian's always works
// on /etc/runit/runsvdir and ignores RUNSVDIR, so only what does not depend
// on the base directory is compared: usage and names starting with a dot.

#include <catch2/catch.hpp>

#include "runsvdir_support.hpp"
#include "service.hpp"

using namespace test;

namespace {

// The output with the program name as invoked replaced by PROG.
std::string neutral(std::string text, const std::string& prog) {
  for (auto at = text.find(prog); at != std::string::npos; at = text.find(prog, at + 4))
    text.replace(at, prog.size(), "PROG");
  return text;
}

}  // namespace

TEST_CASE("runsvchdir usage and dot names agree with Debian", "[runsvchdir][interop]") {
  const std::vector<std::vector<std::string>> cases{
      {}, {".x"}, {"."}, {".."}, {".hidden/set"}, {".x", "extra"},
  };
  for (const auto& args : cases) {
    std::vector<std::string> ours{runsvchdir_under_test()}, theirs{reference_runsvchdir};
    ours.insert(ours.end(), args.begin(), args.end());
    theirs.insert(theirs.end(), args.begin(), args.end());
    std::string shown;
    for (const auto& a : args) shown += "'" + a + "' ";
    INFO("arguments: " << shown);
    spawn_options o;
    o.env = {"RUNSVDIR=/nonexistent-runsvchdir-base"};
    auto a = run(ours, o);
    auto b = run(theirs, o);
    CHECK(a.status.exit_code() == b.status.exit_code());
    CHECK(neutral(a.out, ours[0]) == neutral(b.out, theirs[0]));
    CHECK(neutral(a.err, ours[0]) == neutral(b.err, theirs[0]));
  }
}
