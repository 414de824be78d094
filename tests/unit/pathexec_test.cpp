#include <catch2/catch.hpp>

#include <cerrno>

#include "supervise/pathexec.hpp"
#include "limits.hpp"

using strings = std::vector<std::string>;

TEST_CASE("pathexec: a change removes the first match by moving the last entry into its slot",
          "[pathexec]") {
  strings env{"A=1", "B=2", "C=3", "D=4"};
  CHECK(supervise::apply_env(env, {"B=x"}) == strings{"A=1", "D=4", "C=3", "B=x"});
  CHECK(supervise::apply_env(env, {"B"}) == strings{"A=1", "D=4", "C=3"});
  CHECK(supervise::apply_env(env, {"D"}) == strings{"A=1", "B=2", "C=3"});
  CHECK(supervise::apply_env(env, {"E=5"}) == strings{"A=1", "B=2", "C=3", "D=4", "E=5"});
  CHECK(supervise::apply_env(env, {"E"}) == env);
}

TEST_CASE("pathexec: names match whole, later changes see earlier ones", "[pathexec]") {
  CHECK(supervise::apply_env({"AB=1", "A=2"}, {"A=3"}) == strings{"AB=1", "A=3"});
  CHECK(supervise::apply_env({"N=old"}, {"N=X=v"}) == strings{"N=X=v"});
  CHECK(supervise::apply_env({"P=1"}, {"GID=1", "UID=2", "GID=3"}) == strings{"P=1", "UID=2", "GID=3"});
  CHECK(supervise::apply_env({"A=1", "A=2"}, {"A"}) == strings{"A=2"});
}

TEST_CASE("pathexec: exec candidates follow PATH, empty elements mean .", "[pathexec]") {
  CHECK(supervise::exec_candidates("./x", "/bin") == strings{"./x"});
  CHECK(supervise::exec_candidates("true", nullptr) == strings{"/bin/true", "/usr/bin/true"});
  CHECK(supervise::exec_candidates("t", ":/a::/b:") == strings{"./t", "/a/t", "./t", "/b/t", "./t"});
  CHECK(supervise::exec_candidates("t", "") == strings{"./t"});
}

TEST_CASE("pathexec: exec_program reports runit's errno", "[pathexec]") {
  CHECK(supervise::exec_program("no-such-program-here", {"x"}, {}, "/nonexistent:/also-not") == ENOENT);
  // EACCES is remembered across a later ENOENT.
  CHECK(supervise::exec_program("passwd", {"x"}, {}, "/etc:/nonexistent") == EACCES);
  CHECK(supervise::exec_program("/etc/passwd", {"x"}, {}, nullptr) == EACCES);
}
