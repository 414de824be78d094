#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "supervise/getopt.hpp"
#include "supervise/scan.hpp"
#include "unit_support.hpp"

namespace {

struct parsed {
  std::string seen;  // "u=x v P" ...
  int index = 0;
  std::string err;
};

parsed parse(std::vector<std::string> args, const char* opts = "u:U:vP") {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  unit::stderr_capture cap;
  supervise::getopt g(static_cast<int>(args.size()), argv.data(), opts, "prog");
  parsed p;
  for (int c; (c = g.next()) != supervise::getopt::done;) {
    if (!p.seen.empty()) p.seen += ' ';
    p.seen += static_cast<char>(c);
    if (c == '?') break;
    if (g.arg()) p.seen += std::string("=") + g.arg();
  }
  p.index = g.index();
  p.err = cap.stop();
  return p;
}

}  // namespace

TEST_CASE("getopt: clusters, attached and separate values", "[getopt]") {
  auto p = parse({"chpst", "-vP", "-ux", "-U", "y", "prog", "-v"});
  CHECK(p.seen == "v P u=x U=y");
  CHECK(p.index == 5);
  CHECK(p.err.empty());
}

TEST_CASE("getopt: a value may be attached after flags in one word", "[getopt]") {
  CHECK(parse({"chpst", "-vuname", "p"}).seen == "v u=name");
}

TEST_CASE("getopt: an empty next argument is a value", "[getopt]") {
  auto p = parse({"chpst", "-u", "", "p"});
  CHECK(p.seen == "u=");
  CHECK(p.index == 3);
}

TEST_CASE("getopt: no permutation, parsing stops at the first operand", "[getopt]") {
  auto p = parse({"chpst", "true", "-u", "x"});
  CHECK(p.seen.empty());
  CHECK(p.index == 1);
}

TEST_CASE("getopt: -- is consumed, as is any word starting with --", "[getopt]") {
  CHECK(parse({"chpst", "--", "-v"}).index == 2);
  CHECK(parse({"chpst", "-v", "--foo", "true"}).index == 3);
}

TEST_CASE("getopt: a lone - ends the options and is kept", "[getopt]") {
  auto p = parse({"chpst", "-v", "-", "x"});
  CHECK(p.seen == "v");
  CHECK(p.index == 2);
}

TEST_CASE("getopt: unknown option prints the basename's illegal option line", "[getopt]") {
  auto p = parse({"chpst", "-vx", "true"});
  CHECK(p.seen == "v ?");
  CHECK(p.err == "prog: illegal option -- x\n");
}

TEST_CASE("getopt: a missing value prints option requires an argument", "[getopt]") {
  auto p = parse({"chpst", "-v", "-u"});
  CHECK(p.seen == "v ?");
  CHECK(p.err == "prog: option requires an argument -- u\n");
}

TEST_CASE("getopt: basename_of and scan_ulong_all", "[getopt]") {
  CHECK(supervise::basename_of("/usr/bin/chpst") == "chpst");
  CHECK(supervise::basename_of("chpst") == "chpst");
  CHECK(supervise::basename_of("dir/") == "");
  unsigned long n = 7;
  CHECK(supervise::scan_ulong_all("", n));
  CHECK(n == 0);
  CHECK(supervise::scan_ulong_all("12345", n));
  CHECK(n == 12345);
  CHECK_FALSE(supervise::scan_ulong_all("10k", n));
  CHECK_FALSE(supervise::scan_ulong_all("-1", n));
  CHECK_FALSE(supervise::scan_ulong_all(" 1", n));
}
