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
