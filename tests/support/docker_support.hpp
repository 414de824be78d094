#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "process.hpp"
#include "temp_dir.hpp"
#include "wait.hpp"

// A real Docker engine for the tests: Debian's docker.io, driven through its
// client (/usr/bin/docker) on unix:///var/run/docker.sock, whatever
// DOCKER_HOST says. Nothing is ever pulled: images are imported from a root
// directory the test makes. Every image and container made here is removed
// by its object's destructor (a container once its containerd shim is gone
// too); those of a test program that died first (their names hold its pid)
// are removed by the next one's require_engine().

namespace test::docker {

// Generous for a busy two-core machine.
inline constexpr std::chrono::milliseconds long_timeout = 30s;

// Makes sure an engine answers `docker info`. If none does, starts
// `dockerd --host unix:///var/run/docker.sock` (it starts its own
// containerd; output in a temporary file) and waits until it answers; that
// dockerd gets TERM, by its pid, when the test program exits (KILL 20 s
// later if still there; KILL at once if the test program dies first). Fails
// the test with dockerd's output if the engine cannot start. Never skips.
void require_engine();

// Runs the docker client with these arguments to completion; fails the test
// if it takes longer than timeout.
run_result run(const std::vector<std::string>& args, std::chrono::milliseconds timeout = long_timeout);

// The docker command line and what it printed, for failure messages.
std::string describe(const std::vector<std::string>& args, const run_result& r);

// An image imported (`docker import`) from a tar of a root directory, with
// Dockerfile instructions applied (`--change`, e.g. `CMD ["/sbin/runit"]`),
// or built from a Dockerfile. The destructor removes it.
struct dockerfile_build {
  std::string context;                  // the build context directory
  std::string dockerfile;               // its path (-f)
  std::vector<std::string> build_args;  // NAME=VALUE (--build-arg)
};

class image {
 public:
  image(const std::string& root, const std::vector<std::string>& changes);
  // An image built from a Dockerfile (`docker build --force-rm`); the base
  // image it names must be here already (nothing is pulled).
  explicit image(const dockerfile_build& build);
  ~image();
  image(const image&) = delete;
  image& operator=(const image&) = delete;

  const std::string& tag() const noexcept { return tag_; }

 private:
  std::string tag_;
};

// A container of an image, started detached (`docker run -d`, no network)
// with extra `docker run` options and, if not empty, a command that
// replaces the image's CMD. The destructor removes it (`docker rm -f -v`).
class container {
 public:
  container(const image& img, const std::vector<std::string>& options = {},
            const std::vector<std::string>& command = {});
  ~container();
  container(const container&) = delete;
  container& operator=(const container&) = delete;

  const std::string& name() const noexcept { return name_; }
  // `docker exec NAME /bin/sh -c script`, to completion.
  run_result exec(const std::string& script, std::chrono::milliseconds timeout = long_timeout) const;
  // `docker inspect -f FORMAT NAME`, its output without the final newline.
  std::string inspect(const std::string& format) const;
  // `docker logs NAME`: stdout and stderr.
  std::string logs() const;
  // Copies PATH out of the container (running or not) to the host path TO
  // (`docker cp`). False if docker cp fails.
  bool copy_out(const std::string& path, const std::string& to) const;

 private:
  std::string name_;
  std::string id_;
};

}  // namespace test::docker
