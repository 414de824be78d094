#pragma once

// Shared by the Docker tests: the services of examples/image, and waiting
// until a container shows them all up.

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "docker_support.hpp"
#include "image_support.hpp"
#include "temp_dir.hpp"
#include "wait.hpp"

namespace docker_test {

inline bool has(const std::string& text, const std::string& re) {
  return std::regex_search(text, std::regex(re, std::regex::multiline));
}

struct example_service {
  std::string name;
  bool logged = false;  // has a log/ service
  bool task = false;    // runs once at boot, then stays down (oneshot)
};

// The services of examples/image, by name.
inline std::vector<example_service> example_services() {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(TEST_SOURCE_DIR) / ".." / "examples" / "image" / "etc" / "service";
  std::vector<example_service> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_directory()) continue;
    example_service s;
    s.name = e.path().filename().string();
    s.logged = fs::is_directory(e.path() / "log");
    s.task = s.name == "oneshot";
    out.push_back(s);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

// What the image runs as process 1 (its CMD).
inline const std::string example_cmd = R"(["/sbin/runit"])";

// An image of a fresh root (minimal::populate_root: busybox-static,
// runit-multi, examples/image), changed by `edit` before the import, with
// example_cmd as its CMD and more Dockerfile instructions if given (e.g. a
// HEALTHCHECK). Removed at the end.
class example_image {
 public:
  explicit example_image(const std::function<void(const std::string& root)>& edit = {},
                         const std::vector<std::string>& more_changes = {}) {
    const std::string root = dir_ / "root";
    test::minimal::populate_root(root);
    if (edit) edit(root);
    std::vector<std::string> changes{"CMD " + example_cmd, "ENV SVDIR=/etc/service",
                                     "ENV PATH=/usr/bin:/usr/sbin:/bin:/sbin"};
    changes.insert(changes.end(), more_changes.begin(), more_changes.end());
    image_.emplace(root, changes);
  }
  const test::docker::image& get() const { return *image_; }

 private:
  test::temp_dir dir_{"docker-root"};
  std::optional<test::docker::image> image_;
};

inline std::string state_of(const test::docker::container& c) {
  return "docker logs:\n" + c.logs() + "\ndocker inspect: " + c.inspect("{{.State.Status}} exit {{.State.ExitCode}}");
}

// `docker stop` (TERM, KILL after 10 s); fails the test unless the
// container exited by itself within `limit`. Returns its exit code.
inline int stop_before_kill(const test::docker::container& c,
                            std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto start = std::chrono::steady_clock::now();
  auto r = test::docker::run({"stop", c.name()});
  const auto took = std::chrono::steady_clock::now() - start;
  INFO(test::docker::describe({"stop", c.name()}, r) << "\n" << state_of(c));
  INFO("docker stop took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  REQUIRE(r.status.exit_code() == 0);
  CHECK(took < limit);
  const std::string code = c.inspect("{{.State.ExitCode}}");
  CHECK(code != "137");
  return std::stoi(code);
}

// Waits until `sv status` inside shows every service of examples/image up
// (its log service too), and every task run and down; returns it.
inline std::string wait_examples_up(const test::docker::container& c) {
  std::vector<std::string> patterns;
  for (const auto& s : example_services()) {
    const std::string dir = "/etc/service/" + s.name;
    std::string line = s.task ? "^down: " + dir + R"(: \d+s, normally up)" : "^run: " + dir + R"(: \(pid \d+\) \d+s)";
    if (s.logged) line += R"(; run: log: \(pid \d+\) \d+s)";
    patterns.push_back(line + "$");
  }
  std::string last;
  test::wait_until(
      [&] {
        auto r = c.exec("sv status /etc/service/*");
        last = r.out + r.err;
        return r.status.exit_code() == 0 &&
               std::all_of(patterns.begin(), patterns.end(), [&](const auto& p) { return has(last, p); });
      },
      "every service of examples/image up (its tasks run and down)", test::docker::long_timeout,
      [&] { return "sv status:\n" + last + "\n" + state_of(c); });
  return last;
}

}  // namespace docker_test
