#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "chpst.hpp"
#include "../unit_support.hpp"

namespace {

const std::string usage_line =
    "usage: chpst [-vVP012] [-u user[:group]] [-U user[:group]] [-b argv0] [-e dir] [-/ root] [-C pwd] "
    "[-n nice] [-l|-L lock] [-m n] [-d n] [-o n] [-p n] [-f n] [-c n] [-t n] prog\n\n";

struct result {
  std::optional<chpst::options> opts;
  std::string err;
};

result parse(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  unit::stderr_capture cap;
  auto o = chpst::parse_options(static_cast<int>(args.size()), argv.data(), "chpst");
  return {o, cap.stop()};
}

using chpst::resource;

}  // namespace

TEST_CASE("options: every value option is stored", "[chpst-options]") {
  auto r = parse({"chpst", "-u", "a:b", "-U", ":1:2", "-b", "name", "-e", "env", "-/", "root", "-C", "pwd",
                  "-l", "lk", "-vP012", "prog", "arg"});
  REQUIRE(r.opts);
  const auto& o = *r.opts;
  CHECK(o.set_user == "a:b");
  CHECK(o.env_user == ":1:2");
  CHECK(o.argv0 == "name");
  CHECK(o.env_dir == "env");
  CHECK(o.root == "root");
  CHECK(o.pwd == "pwd");
  CHECK(o.lock == "lk");
  CHECK(o.lock_wait);
  CHECK(o.verbose);
  CHECK(o.new_session);
  CHECK(o.close_stdin);
  CHECK(o.close_stdout);
  CHECK(o.close_stderr);
  CHECK(o.program == std::vector<std::string>{"prog", "arg"});
  CHECK(r.err.empty());
}

TEST_CASE("options: empty values are values, not absent", "[chpst-options]") {
  auto r = parse({"chpst", "-e", "", "-u", "", "prog"});
  REQUIRE(r.opts);
  CHECK(r.opts->env_dir == "");
  CHECK(r.opts->set_user == "");
}

TEST_CASE("options: -L does not wait, a later -u overrides", "[chpst-options]") {
  auto r = parse({"chpst", "-u", "a", "-u", "b", "-L", "lk", "prog"});
  REQUIRE(r.opts);
  CHECK(r.opts->set_user == "b");
  CHECK_FALSE(r.opts->lock_wait);
}

TEST_CASE("options: -n accepts an optional sign and digits only", "[chpst-options]") {
  auto nice_of = [](const char* v) {
    auto r = parse({"chpst", "-n", v, "prog"});
    return r.opts ? std::optional<long>(r.opts->nice) : std::nullopt;
  };
  CHECK(nice_of("5") == 5);
  CHECK(nice_of("+5") == 5);
  CHECK(nice_of("-5") == -5);
  CHECK(nice_of("") == 0);
  CHECK(nice_of("-") == 0);
  CHECK(nice_of("5x") == std::nullopt);
  CHECK(nice_of("--5") == std::nullopt);
  CHECK(nice_of("+-5") == std::nullopt);
}

TEST_CASE("options: limits map to their resources, -m sets four", "[chpst-options]") {
  auto r = parse({"chpst", "-m", "1000", "-d", "2000", "-o", "3", "-p", "4", "-f", "5", "-c", "6", "-r", "7",
                  "-t", "8", "prog"});
  REQUIRE(r.opts);
  const auto& s = r.opts->soft;
  CHECK(s[resource::data] == 2000);
  CHECK(s[resource::stack] == 1000);
  CHECK(s[resource::memlock] == 1000);
  CHECK(s[resource::as] == 1000);
  CHECK(s[resource::nofile] == 3);
  CHECK(s[resource::nproc] == 4);
  CHECK(s[resource::fsize] == 5);
  CHECK(s[resource::core] == 6);
  CHECK(s[resource::rss] == 7);
  CHECK(s[resource::cpu] == 8);
}

TEST_CASE("options: an empty limit is 0, suffixes are usage errors", "[chpst-options]") {
  auto r = parse({"chpst", "-o", "", "prog"});
  REQUIRE(r.opts);
  CHECK(r.opts->soft[resource::nofile] == 0);
  auto bad = parse({"chpst", "-m", "10k", "prog"});
  CHECK_FALSE(bad.opts);
  CHECK(bad.err == usage_line);
}

TEST_CASE("options: usage errors print the usage line", "[chpst-options]") {
  for (auto args : std::vector<std::vector<std::string>>{
           {"chpst"}, {"chpst", "-v"}, {"chpst", "-l", "a", "-L", "b", "prog"}, {"chpst", "-L", "a", "-L", "b", "p"}}) {
    auto r = parse(args);
    CHECK_FALSE(r.opts);
    CHECK(r.err == usage_line);
  }
}

TEST_CASE("options: -V prints a $Id line before the usage, even with a program", "[chpst-options]") {
  auto r = parse({"chpst", "-V", "true"});
  CHECK_FALSE(r.opts);
  REQUIRE(r.err.size() > 5 + 40 + 3);
  CHECK(r.err.substr(0, 5) == "$Id: ");
  CHECK(r.err.substr(45, 3) == " $\n");
  CHECK(r.err.substr(48) == usage_line);
}

TEST_CASE("options: personality_name drops the directory and one leading d", "[chpst-options]") {
  CHECK(chpst::personality_name("/sbin/chpst") == "chpst");
  CHECK(chpst::personality_name("dchpst") == "chpst");
  CHECK(chpst::personality_name("./denvdir") == "envdir");
  CHECK(chpst::personality_name("ddenvdir") == "denvdir");
  CHECK(chpst::personality_name("xchpst") == "xchpst");
}
