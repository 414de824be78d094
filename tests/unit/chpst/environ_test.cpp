#include <catch2/catch.hpp>

#include <cerrno>

#include "environ.hpp"
#include "limits.hpp"

using strings = std::vector<std::string>;

TEST_CASE("environ: a change removes the first match by moving the last entry into its slot",
          "[chpst-environ]") {
  strings env{"A=1", "B=2", "C=3", "D=4"};
  CHECK(chpst::apply_env(env, {"B=x"}) == strings{"A=1", "D=4", "C=3", "B=x"});
  CHECK(chpst::apply_env(env, {"B"}) == strings{"A=1", "D=4", "C=3"});
  CHECK(chpst::apply_env(env, {"D"}) == strings{"A=1", "B=2", "C=3"});
  CHECK(chpst::apply_env(env, {"E=5"}) == strings{"A=1", "B=2", "C=3", "D=4", "E=5"});
  CHECK(chpst::apply_env(env, {"E"}) == env);
}

TEST_CASE("environ: names match whole, later changes see earlier ones", "[chpst-environ]") {
  CHECK(chpst::apply_env({"AB=1", "A=2"}, {"A=3"}) == strings{"AB=1", "A=3"});
  CHECK(chpst::apply_env({"N=old"}, {"N=X=v"}) == strings{"N=X=v"});
  CHECK(chpst::apply_env({"P=1"}, {"GID=1", "UID=2", "GID=3"}) == strings{"P=1", "UID=2", "GID=3"});
  CHECK(chpst::apply_env({"A=1", "A=2"}, {"A"}) == strings{"A=2"});
}

TEST_CASE("environ: exec candidates follow PATH, empty elements mean .", "[chpst-environ]") {
  CHECK(chpst::exec_candidates("./x", "/bin") == strings{"./x"});
  CHECK(chpst::exec_candidates("true", nullptr) == strings{"/bin/true", "/usr/bin/true"});
  CHECK(chpst::exec_candidates("t", ":/a::/b:") == strings{"./t", "/a/t", "./t", "/b/t", "./t"});
  CHECK(chpst::exec_candidates("t", "") == strings{"./t"});
}

TEST_CASE("environ: exec_program reports runit's errno", "[chpst-environ]") {
  CHECK(chpst::exec_program("no-such-program-here", {"x"}, {}, "/nonexistent:/also-not") == ENOENT);
  // EACCES is remembered across a later ENOENT.
  CHECK(chpst::exec_program("passwd", {"x"}, {}, "/etc:/nonexistent") == EACCES);
  CHECK(chpst::exec_program("/etc/passwd", {"x"}, {}, nullptr) == EACCES);
}

TEST_CASE("limits: -m sets data, stack, memlock and address space", "[chpst-limits]") {
  chpst::limits l;
  l.set_memory(5);
  using chpst::resource;
  CHECK(l[resource::data] == 5);
  CHECK(l[resource::stack] == 5);
  CHECK(l[resource::memlock] == 5);
  CHECK(l[resource::as] == 5);
  CHECK_FALSE(l[resource::nofile]);
}
