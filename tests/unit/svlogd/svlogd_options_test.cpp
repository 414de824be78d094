// svlogd's command line (spec/svlogd.md §1) and -o NAME, which is not in runit.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "../../../svlogd/options.hpp"

namespace {

std::optional<svlogd::options> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "svlogd");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return svlogd::parse_options(static_cast<int>(args.size()), argv.data());
}

}  // namespace

TEST_CASE("svlogd options: without -o, runit's rules", "[svlogd][options]") {
  auto o = parse({"-tt", "log"});
  REQUIRE(o);
  CHECK(!o->out_name);
  CHECK(o->stamp == svlogd::stamp_kind::human);
  CHECK(o->dirs == std::vector<std::string>{"log"});
  CHECK(!parse({}));
  CHECK(!parse({"-tt"}));
  CHECK(!parse({"-x", "log"}));
}

TEST_CASE("svlogd options: -o NAME", "[svlogd][options]") {
  auto o = parse({"-tt", "-o", "web"});
  REQUIRE(o);
  CHECK(o->out_name == std::optional<std::string>("web"));
  CHECK(o->dirs.empty());
  o = parse({"-o", "web", "./main", "other"});
  REQUIRE(o);
  CHECK(o->dirs == std::vector<std::string>{"./main", "other"});
  o = parse({"-ttoweb"});  // grouped, value attached
  REQUIRE(o);
  CHECK(o->out_name == std::optional<std::string>("web"));
  CHECK(o->stamp == svlogd::stamp_kind::human);
  o = parse({"-o", ""});  // empty: no "name: " prefix
  REQUIRE(o);
  CHECK(o->out_name == std::optional<std::string>(""));
  o = parse({"-o", "a", "-o", "b"});  // the last one counts
  REQUIRE(o);
  CHECK(o->out_name == std::optional<std::string>("b"));
  CHECK(!parse({"-o"}));                      // value missing
  CHECK(!parse({"-o", "web", "-l", "5000"}));  // buflen <= len still refused
  o = parse({"log", "-o", "web"});             // no permutation: all directories
  REQUIRE(o);
  CHECK(!o->out_name);
  CHECK(o->dirs.size() == 3);
}

TEST_CASE("svlogd options: runit's option parser", "[svlogd][options]") {
  for (const char* end : {"--", "--x", "--l"}) {  // any word starting with "--" ends them
    INFO(end);
    auto o = parse({"-t", end, "-v", "log"});
    REQUIRE(o);
    CHECK(o->stamp == svlogd::stamp_kind::tai64n);
    CHECK(!o->verbose);
    CHECK(o->dirs == std::vector<std::string>{"-v", "log"});
  }
  auto o = parse({"-", "log"});  // a lone "-" is a directory
  REQUIRE(o);
  CHECK(o->dirs == std::vector<std::string>{"-", "log"});
  o = parse({"-ttv", "-l", "20", "-b30", "log"});
  REQUIRE(o);
  CHECK(o->stamp == svlogd::stamp_kind::human);
  CHECK(o->verbose);
  CHECK(o->linelen == 20);
  CHECK(o->buflen == 30);
  o = parse({"-l", "abc", "-b", "0", "-l", "7x", "log"});  // leading digits; 0 is the default
  REQUIRE(o);
  CHECK(o->linelen == 7);
  CHECK(o->buflen == 1024);
  o = parse({"-b", "99999999999999999999", "log"});  // wraps modulo 2^64, as runit's
  REQUIRE(o);
  CHECK(o->buflen == 7766279631452241919ul);
  CHECK(!parse({"-l20", "-b"}));
  CHECK(!parse({"-t", "--"}));
  CHECK(!parse({"-v", "-x", "log"}));
  CHECK(!parse({"-rab", "log"}));
}
