#include "docker_support.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <unistd.h>

namespace test::docker {

namespace fs = std::filesystem;

namespace {

// Debian's docker.io; a docker client elsewhere in PATH (of another version,
// talking to another engine) is not used.
constexpr const char* docker_bin = "/usr/bin/docker";
constexpr const char* dockerd_bin = "/usr/sbin/dockerd";
constexpr const char* engine_host = "unix:///var/run/docker.sock";
// Every container is PREFIX-PID-N and every image PREFIX:PID-N, PID the
// test program's.
const std::string prefix = "runit-docker-test";

std::vector<std::string> client(const std::vector<std::string>& args) {
  std::vector<std::string> argv{docker_bin, "-H", engine_host};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

// Never fails the test: for destructors and probes. True if the client
// exited 0; else, if `complain`, says why on stderr.
bool run_quietly(const std::vector<std::string>& args, std::chrono::milliseconds timeout, bool complain) {
  try {
    process p(client(args));
    auto st = p.wait_exit(timeout);  // the destructor kills a client that hangs
    if (st && st->exit_code() == 0) return true;
    if (complain) {
      std::string line = "docker tests: docker";
      for (const auto& a : args) line += " " + a;
      line += ": " + (st ? st->describe() : std::string("timed out")) + "\n" + p.out() + p.err();
      std::fprintf(stderr, "%s\n", line.c_str());
    }
    return false;
  } catch (...) {
    return false;
  }
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t nl = text.find('\n', at);
    if (nl == std::string::npos) nl = text.size();
    if (nl > at) out.push_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  return out;
}

// The processes with this exact word among their arguments.
std::vector<pid_t> pids_with_argument(const std::string& word) {
  std::vector<pid_t> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto cmdline = read_file(e.path().string() + "/cmdline");
    if (!cmdline) continue;
    std::size_t at = 0;
    while (at < cmdline->size()) {
      std::size_t end = cmdline->find('\0', at);
      if (end == std::string::npos) end = cmdline->size();
      if (cmdline->compare(at, end - at, word) == 0) {
        found.push_back(static_cast<pid_t>(std::stol(name)));
        break;
      }
      at = end + 1;
    }
  }
  return found;
}

// `docker rm -f -v NAME`, then waits for the container's shim (whose
// arguments hold ID), which outlives `docker rm` by a second or so, so that
// nothing of the test is left even if the engine is stopped next. A shim
// still there after 10 s (one whose containerd was killed with a test
// program) gets TERM.
void remove_container(const std::string& name, const std::string& id) {
  run_quietly({"rm", "-f", "-v", name}, long_timeout, true);
  if (id.empty() || poll_until([&] { return pids_with_argument(id).empty(); }, 10s)) return;
  for (pid_t pid : pids_with_argument(id)) {
    std::fprintf(stderr, "docker tests: the shim of container %s (pid %d) is still there 10 s after docker rm: TERM\n",
                 name.c_str(), static_cast<int>(pid));
    ::kill(pid, SIGTERM);
  }
}

bool answers() { return run_quietly({"info", "--format", "{{.ServerVersion}}"}, 10s, false); }

// The engine of this test program: the one found running, or the dockerd it
// started and stops at exit (a static object's destructor).
class engine {
 public:
  engine() = default;
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;
  ~engine() { stop(); }

  void require() {
    if (ready_) return;
    if (!exists(docker_bin) || !exists(dockerd_bin))
      FAIL("the Docker tests need Debian's docker.io (" << docker_bin << ", " << dockerd_bin
                                                        << "): apt-get install docker.io (scripts/test does)");
    if (!answers()) start();
    ready_ = true;
    sweep();
  }

 private:
  void start() {
    if (::geteuid() != 0) FAIL("no Docker engine answers on " << engine_host << ", and starting dockerd needs root");
    dir_.emplace("dockerd");
    const std::string log = *dir_ / "dockerd.log";
    // setpriv: dockerd gets KILL if this program dies without stopping it
    // (a ctest timeout, say); its output goes to a file, not to a pipe that
    // nobody drains.
    spawn_options opts;
    opts.new_session = true;
    dockerd_.emplace(std::vector<std::string>{"/usr/bin/setpriv", "--pdeathsig", "KILL", "/bin/sh", "-c",
                                              "exec \"$0\" --host \"$1\" >\"$2\" 2>&1", dockerd_bin, engine_host,
                                              log},
                     opts);
    bool up = poll_until([&] { return dockerd_->poll_exit() || answers(); }, 60s);
    if (up && !dockerd_->status()) return;
    const std::string why = dockerd_->status() ? "dockerd ended: " + dockerd_->status()->describe()
                                               : "dockerd did not answer within 60 s";
    stop();
    FAIL("cannot start the Docker engine (" << why << "); its output:\n" << read_file(log).value_or("(none)"));
  }

  // Removes the containers and images of test programs that died before
  // their destructors could (a ctest timeout, say): their names hold the
  // pid of a process that is gone.
  static void sweep() {
    auto dead = [](const std::string& name, char sep) {
      auto at = name.find(sep);
      if (at == std::string::npos) return false;
      const long pid = std::strtol(name.c_str() + at + 1, nullptr, 10);
      return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
    };
    auto found = test::run(client({"ps", "-a", "--no-trunc", "--filter", "name=^/" + prefix + "-", "--format",
                                   "{{.ID}} {{.Names}}"}));
    for (const auto& line : lines(found.out)) {
      const auto space = line.find(' ');
      const std::string id = line.substr(0, space), name = line.substr(space + 1);
      if (space != std::string::npos && name.rfind(prefix + "-", 0) == 0 && dead(name.substr(prefix.size()), '-'))
        remove_container(name, id);
    }
    auto tags = test::run(client({"images", "--format", "{{.Repository}}:{{.Tag}}", prefix}));
    for (const auto& tag : lines(tags.out))
      if (dead(tag, ':')) run_quietly({"rmi", "-f", tag}, long_timeout, true);
  }

  void stop() noexcept {
    if (!dockerd_ || dockerd_->poll_exit()) return;
    dockerd_->signal(SIGTERM);
    if (!dockerd_->wait_exit(20s)) {
      std::fprintf(stderr, "docker tests: dockerd (pid %d) still there 20 s after TERM: KILL\n",
                   static_cast<int>(dockerd_->pid()));
      dockerd_->signal(SIGKILL);
      dockerd_->wait_exit(5s);
    }
  }

  bool ready_ = false;
  std::optional<temp_dir> dir_;
  std::optional<process> dockerd_;
};

engine& the_engine() {
  static engine e;
  return e;
}

// Names unique to this test program and object.
std::string unique(char separator) {
  static int counter = 0;
  return prefix + separator + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

}  // namespace

void require_engine() { the_engine().require(); }

run_result run(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  return test::run(client(args), {}, timeout);
}

std::string describe(const std::vector<std::string>& args, const run_result& r) {
  std::string line = "docker";
  for (const auto& a : args) line += " " + a;
  return line + "\n-> " + r.status.describe() + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

image::image(const std::string& root, const std::vector<std::string>& changes)
    : tag_(unique(':')) {
  require_engine();
  temp_dir dir("docker-image");
  const std::string tar = dir / "root.tar";
  auto t = test::run({"/bin/tar", "--numeric-owner", "-C", root, "-cf", tar, "."}, {}, 60s);
  INFO(t.err);
  REQUIRE(t.status.exit_code() == 0);
  std::vector<std::string> args{"import"};
  for (const auto& c : changes) {
    args.push_back("--change");
    args.push_back(c);
  }
  args.push_back(tar);
  args.push_back(tag_);
  auto r = run(args, 60s);
  INFO(describe(args, r));
  REQUIRE(r.status.exit_code() == 0);
}

image::image(const dockerfile_build& build) : tag_(unique(':')) {
  require_engine();
  std::vector<std::string> args{"build", "--force-rm", "-q", "-f", build.dockerfile, "-t", tag_};
  for (const auto& a : build.build_args) {
    args.push_back("--build-arg");
    args.push_back(a);
  }
  args.push_back(build.context);
  auto r = run(args, 120s);
  INFO(describe(args, r));
  REQUIRE(r.status.exit_code() == 0);
}

image::~image() { run_quietly({"rmi", "-f", tag_}, long_timeout, true); }

container::container(const image& img, const std::vector<std::string>& options,
                     const std::vector<std::string>& command)
    : name_(unique('-')) {
  std::vector<std::string> args{"run", "-d", "--name", name_, "--network", "none"};
  args.insert(args.end(), options.begin(), options.end());
  args.push_back(img.tag());
  args.insert(args.end(), command.begin(), command.end());
  auto r = run(args);
  INFO(describe(args, r));
  // A failed `docker run` may have made the container all the same.
  if (r.status.exit_code() != 0) run_quietly({"rm", "-f", "-v", name_}, long_timeout, true);
  REQUIRE(r.status.exit_code() == 0);
  id_ = r.out.substr(0, r.out.find('\n'));
}

container::~container() { remove_container(name_, id_); }

run_result container::exec(const std::string& script, std::chrono::milliseconds timeout) const {
  return run({"exec", name_, "/bin/sh", "-c", script}, timeout);
}

std::string container::inspect(const std::string& format) const {
  std::vector<std::string> args{"inspect", "-f", format, name_};
  auto r = run(args);
  INFO(describe(args, r));
  REQUIRE(r.status.exit_code() == 0);
  std::string out = r.out;
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string container::logs() const {
  auto r = run({"logs", name_});
  return r.out + r.err;
}

bool container::copy_out(const std::string& path, const std::string& to) const {
  auto r = run({"cp", name_ + ":" + path, to});
  return r.status.exit_code() == 0;
}

}  // namespace test::docker
