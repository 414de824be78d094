// examples/Dockerfile.alpine itself, built by a real Docker engine on a base
// image the test makes (there is no registry: BASE is a busybox-static root
// imported into Docker, in place of alpine), booted, and stopped.

#include <catch2/catch.hpp>

#ifdef STATIC_BINDIR

#include <filesystem>
#include <string>
#include <vector>

#include "docker_support.hpp"
#include "example_image.hpp"
#include "image_support.hpp"

using namespace test;
using namespace docker_test;
namespace fs = std::filesystem;

namespace {

// A base with what Alpine gives the Dockerfile (a shell, ln, mkdir, the
// directories, nobody and nogroup) and nothing of ours: the minimal
// image's root without our binaries and examples/image.
std::string make_base_root(const temp_dir& dir) {
  const std::string root = dir / "base";
  minimal::populate_root(root);
  fs::remove_all(fs::path(root) / "etc" / "runit");
  fs::remove_all(fs::path(root) / "etc" / "service");
  std::vector<fs::path> ours;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    const auto& p = e.path();
    if (p.filename() == "runit-multi") ours.push_back(p);
    else if (e.is_symlink() && fs::read_symlink(p).filename() == "runit-multi") ours.push_back(p);
  }
  for (const auto& p : ours) fs::remove(p);
  for (const char* name : {"sbin/runit", "usr/bin/runsv", "usr/bin/sv", "usr/bin/chpst", "usr/bin/envdir"})
    fs::remove(fs::path(root) / name);
  return root;
}

// The build context the Dockerfile expects from the repository root:
// examples/image and STATIC/multicall/runit-multi (STATIC=static here).
std::string make_context(const temp_dir& dir) {
  const fs::path ctx = dir.path() + "/context";
  const fs::path source = fs::path(TEST_SOURCE_DIR) / "..";
  fs::create_directories(ctx / "examples");
  fs::copy(source / "examples" / "image", ctx / "examples" / "image", fs::copy_options::recursive);
  fs::create_directories(ctx / "static" / "multicall");
  fs::copy_file(fs::path(STATIC_BINDIR) / "multicall" / "runit-multi", ctx / "static" / "multicall" / "runit-multi");
  return ctx.string();
}

}  // namespace

TEST_CASE("Dockerfile: examples/Dockerfile.alpine built on an imported busybox base (BASE) boots every service and "
          "stops with the exit code file's code",
          "[docker][dockerfile]") {
  docker::require_engine();
  temp_dir dir("docker-dockerfile");
  const std::string base_root = make_base_root(dir);
  for (const char* ours : {"sbin/runit", "sbin/runit-multi", "usr/bin/runsv", "etc/service"})
    REQUIRE_FALSE(fs::exists(fs::symlink_status(fs::path(base_root) / ours)));
  docker::image base(base_root, {"ENV PATH=/usr/bin:/usr/sbin:/bin:/sbin"});

  docker::dockerfile_build build;
  build.context = make_context(dir);
  build.dockerfile = (fs::path(TEST_SOURCE_DIR) / ".." / "examples" / "Dockerfile.alpine").string();
  build.build_args = {"BASE=" + base.tag(), "STATIC=static"};
  docker::image built(build);

  docker::container c(built);
  const std::string status = wait_examples_up(c);
  INFO("sv status:\n" << status);
  auto r = c.exec("cat /proc/1/comm; readlink /sbin/runit; readlink /usr/bin/sv");
  CHECK(r.out == "runit\nrunit-multi\n/sbin/runit-multi\n");
  CHECK(c.inspect("{{json .Config.Env}}").find("\"SVDIR=/etc/service\"") != std::string::npos);

  const auto start = std::chrono::steady_clock::now();
  auto stop = docker::run({"stop", c.name()});
  const auto took = std::chrono::steady_clock::now() - start;
  INFO(docker::describe({"stop", c.name()}, stop) << "\n" << state_of(c));
  REQUIRE(stop.status.exit_code() == 0);
  CHECK(took < std::chrono::seconds(10));  // Docker's own KILL comes at 10 s
  CHECK(c.inspect("{{.State.ExitCode}}") == "7");
}

#endif  // STATIC_BINDIR
