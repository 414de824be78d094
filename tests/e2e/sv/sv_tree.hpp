#pragma once

// A temporary SVDIR for the sv end-to-end tests: services built in it, one
// runsv per started service, and sv run with SVDIR and cwd set to it.

#include <catch2/catch.hpp>

#include <csignal>
#include <fcntl.h>
#include <map>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "service.hpp"
#include "sv_support.hpp"
#include "temp_dir.hpp"

namespace svtest {

using namespace test;

class sv_tree {
 public:
  temp_dir root{"sv-e2e"};

  ~sv_tree() {
    // Ask every runsv to exit and kill the children so that none lingers in
    // a TERM-ignoring service until the guard's grace period.
    for (auto& [name, rs] : runsvs_) {
      for (const std::string& dir : {rs->svdir(), rs->svdir() + "/log"}) {
        int fd = ::open((dir + "/supervise/control").c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) {
          (void)!::write(fd, "x", 1);
          ::close(fd);
        }
      }
    }
    for (auto& [name, rs] : runsvs_) {
      for (const std::string& dir : {rs->svdir(), rs->svdir() + "/log"})
        if (auto pid = status_pid(dir); pid > 1) ::kill(static_cast<pid_t>(pid), SIGKILL);
    }
  }

  std::string dir(const std::string& name) const { return root / name; }

  // root/name with a run script.
  std::string service(const std::string& name, const std::string& run = "exec sleep 1000\n") {
    make_dir(dir(name));
    write_script(dir(name) + "/run", run);
    return dir(name);
  }

  // Starts runsv (ours unless given) on root/name and waits until it listens.
  runsv_instance& start(const std::string& name, const std::string& runsv = runsv_under_test()) {
    runsv_instance::options o;
    o.binary = runsv;
    auto rs = std::make_unique<runsv_instance>(dir(name), o);
    rs->wait_ready();
    auto& ref = *rs;
    runsvs_[name] = std::move(rs);
    return ref;
  }

  runsv_instance& runsv(const std::string& name) { return *runsvs_.at(name); }

  // Waits until root/name runs (stat "run\n", want up, no flags).
  void wait_run(const std::string& name) { wait_state(dir(name), "run\n", flags_hex(0, 'u', 0, 1), 10s); }

  // sv ARGS with SVDIR=root and cwd=root (plus extra environment).
  sv_result sv(const std::vector<std::string>& args, std::vector<std::string> env = {},
               const std::string& cwd = "") {
    std::vector<std::string> argv{sv_under_test()};
    argv.insert(argv.end(), args.begin(), args.end());
    sv_spawn o;
    o.cwd = cwd.empty() ? root.path() : cwd;
    env.insert(env.begin(), "SVDIR=" + root.path());
    o.env = env;
    return run_sv(argv, o);
  }

  // Runs `sv ARGS` and checks masked stdout, stderr and the exit code.
  sv_result expect(const std::vector<std::string>& args, const std::string& out, int code,
                   const std::string& err = "", std::vector<std::string> env = {}) {
    auto r = sv(args, std::move(env));
    std::string line = "$ sv";
    for (auto& a : args) line += " " + a;
    INFO(line << "\n" << describe_sv(r, root.path()));
    CHECK(mask_sv(r.out, root.path()) == out);
    CHECK(mask_sv(r.err, root.path()) == err);
    CHECK(r.code == code);
    return r;
  }

 private:
  std::map<std::string, std::unique_ptr<runsv_instance>> runsvs_;
};

// The usage text of normal mode and of init-script mode.
inline const std::string usage = "usage: sv [-v] [-w sec] command service ...\n\n";
inline std::string lsb_usage(const std::string& name) { return "usage: " + name + " [-w sec] command\n\n"; }

}  // namespace svtest
