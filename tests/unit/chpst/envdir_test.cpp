#include <catch2/catch.hpp>

#include <algorithm>
#include <climits>

#include "envdir.hpp"
#include "supervise/fatal.hpp"
#include "../unit_support.hpp"

using chpst::env_value;

TEST_CASE("envdir: values from file contents (spec §5.4)", "[chpst-envdir]") {
  using namespace std::string_literals;
  CHECK(env_value("hello world  \t \nsecond line\n") == "hello world");
  CHECK(env_value("a\0b\0c"s) == "a\nb\nc");
  CHECK(env_value("") == std::nullopt);
  CHECK(env_value("\n") == "");
  CHECK(env_value("   \n") == "");
  CHECK(env_value(" lead") == " lead");
  CHECK(env_value("cr\r\n") == "cr\r");
  CHECK(env_value("v") == "v");
  CHECK(env_value("x\0 \t"s) == "x\n");
}

namespace {

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::string cwd() {
  char buf[PATH_MAX];
  return ::getcwd(buf, sizeof buf) ? buf : "";
}

std::string failure(const std::string& dir, chpst::subdir_policy p) {
  try {
    chpst::read_envdir(dir, p);
  } catch (const supervise::fatal_error& e) {
    CHECK(e.exit_code == 111);
    return supervise::diagnostic("chpst", "fatal", e.message, e.err);
  }
  return "no error";
}

}  // namespace

TEST_CASE("envdir: reads a directory, skips dot files, returns to the start", "[chpst-envdir]") {
  unit::temp_dir dir;
  unit::write_file(dir / "A", "hello world  \t \nsecond line\n");
  unit::write_file(dir / "C", "");
  unit::write_file(dir / ".hidden", "x");
  unit::write_file(dir / "N=X", "v");
  ::symlink("A", (dir / "L").c_str());
  ::symlink("nowhere", (dir / "DANGLING").c_str());
  std::string before = cwd();
  auto changes = chpst::read_envdir(dir.path(), chpst::subdir_policy::fatal);
  CHECK(cwd() == before);
  CHECK(sorted(changes) == std::vector<std::string>{"A=hello world", "C", "L=hello world", "N=X=v"});
}

TEST_CASE("envdir: subdirectories are skipped by -e, fatal for envdir", "[chpst-envdir]") {
  unit::temp_dir dir;
  unit::write_file(dir / "A", "1");
  ::mkdir((dir / "SUB").c_str(), 0755);
  unit::stderr_capture quiet;
  CHECK(chpst::read_envdir(dir.path(), chpst::subdir_policy::skip) == std::vector<std::string>{"A=1"});
  CHECK(quiet.stop().empty());
  unit::stderr_capture verbose;
  CHECK(chpst::read_envdir(dir.path(), chpst::subdir_policy::skip_with_warning) ==
        std::vector<std::string>{"A=1"});
  CHECK(verbose.stop() == "chpst: warning: unable to read " + dir.path() + "/SUB: is a directory\n");
  CHECK(failure(dir.path(), chpst::subdir_policy::fatal) ==
        "chpst: fatal: unable to read " + dir.path() + "/SUB: is a directory\n");
}

TEST_CASE("envdir: a missing directory", "[chpst-envdir]") {
  CHECK(failure("/nonexistent-envdir", chpst::subdir_policy::skip) ==
        "chpst: fatal: unable to switch to directory: /nonexistent-envdir: file does not exist\n");
  CHECK(failure("", chpst::subdir_policy::skip) ==
        "chpst: fatal: unable to switch to directory: : file does not exist\n");
}
