#pragma once

// Our sv against Debian's: the same scripted steps run side by side in three
// temporary SVDIRs that hold the same services,
//   debian: Debian's sv driving Debian's runsv (the reference),
//   ours/debian: our sv driving Debian's runsv,
//   ours/ours: our sv driving our runsv,
// and the transcripts (sv's stdout, stderr and exit code with pids, seconds,
// the version hash and the temporary path masked) must be equal. Where
// spec/differences.md documents that 2.3.0 (which we follow) differs from
// Debian's 2.1.2, the step names the expectation for each sv instead.

#include <catch2/catch.hpp>

#include <csignal>
#include <fcntl.h>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

#include "fixture.hpp"
#include "sv_support.hpp"

namespace svinterop {

using namespace test;

struct side {
  std::string label;
  std::string sv;
  std::string runsv;
  bool ours_sv = false;
  temp_dir root{"sv-interop"};
  std::map<std::string, std::unique_ptr<runsv_instance>> runsvs;
  std::map<std::string, std::uint32_t> pid_before;  // status pid of each service before the step
  std::string transcript;

  std::string dir(const std::string& name) const { return root / name; }

  ~side() {
    // Let no TERM-ignoring child keep its runsv past the guard's grace period.
    for (auto& [name, rs] : runsvs)
      for (const std::string& d : {rs->svdir(), rs->svdir() + "/log"}) {
        int fd = ::open((d + "/supervise/control").c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) {
          (void)!::write(fd, "x", 1);
          ::close(fd);
        }
      }
    for (auto& [name, rs] : runsvs)
      for (const std::string& d : {rs->svdir(), rs->svdir() + "/log"})
        if (auto pid = status_pid(d); pid > 1) ::kill(static_cast<pid_t>(pid), SIGKILL);
  }
};

using side_fn = std::function<void(side&)>;

// What 2.1.2 and 2.3.0 are each documented to print for one step, as
// describe_sv() renders it.
struct difference {
  std::string what;     // the spec/differences.md item
  std::string debian;   // Debian's sv
  std::string ours;     // our sv (2.3.0 behaviour)
};

struct step_options {
  std::vector<std::string> env;   // besides SVDIR=root; "@ROOT@" (also in args) is the side's root
  std::string cwd;                // relative to root; empty: root
  std::string lsb;                // run root/init.d/LSB (a link to the side's sv) instead of sv
  side_fn before;                 // runs on every side before any sv starts
  std::optional<difference> differs;
  uid_t uid = 0;
};

inline step_options with_env(std::vector<std::string> env) {
  step_options o;
  o.env = std::move(env);
  return o;
}

inline step_options in_cwd(std::string cwd) {
  step_options o;
  o.cwd = std::move(cwd);
  return o;
}

inline step_options documented(difference d) {
  step_options o;
  o.differs = std::move(d);
  return o;
}

class scenario {
 public:
  scenario() {
    add("debian", reference_bin("sv"), reference_bin("runsv"), false);
    add("ours/debian", sv_under_test(), reference_bin("runsv"), true);
    add("ours/ours", sv_under_test(), runsv_under_test(), true);
  }

  // Builds the same things on every side.
  void prepare(const side_fn& fn) {
    for (auto& s : sides_) fn(*s);
  }

  // root/name with a run script on every side.
  void service(const std::string& name, const std::string& run = "exec sleep 1000\n") {
    prepare([&](side& s) {
      make_dir(s.dir(name));
      write_script(s.dir(name) + "/run", run);
    });
  }

  // Starts the side's runsv on root/name, waits until it listens, then settles.
  void start(const std::string& name, const side_fn& settle) {
    for (auto& s : sides_) {
      runsv_instance::options o;
      o.binary = s->runsv;
      s->runsvs[name] = std::make_unique<runsv_instance>(s->dir(name), o);
    }
    for (auto& s : sides_) {
      INFO(s->label << ": runsv " << name);
      s->runsvs[name]->wait_ready();
      settle(*s);
    }
  }

  // Runs the sv (or the init-script link) with ARGS on every side at once,
  // records the masked result, then settles every side.
  void sv(const std::vector<std::string>& args, const side_fn& settle = nothing(), const step_options& o = {}) {
    std::string line = "$ " + (o.lsb.empty() ? std::string("sv") : "init.d/" + o.lsb);
    for (auto& a : args) line += " " + a;
    for (auto& e : o.env) line = e + " " + line;
    if (!o.cwd.empty()) line = "(in " + o.cwd + ") " + line;
    for (auto& s : sides_) {
      for (auto& [name, rs] : s->runsvs) s->pid_before[name] = status_pid(s->dir(name));
      if (o.before) {
        INFO(s->label << ": before " << line);
        o.before(*s);
      }
    }
    std::vector<std::unique_ptr<sv_process>> procs;
    for (auto& s : sides_) {
      std::vector<std::string> argv;
      if (o.lsb.empty()) {
        argv.push_back(s->sv);
      } else {
        std::string link = s->root / ("init.d/" + o.lsb);
        if (!exists(link)) lsb_link(s->root.path(), o.lsb, s->sv);
        argv.push_back(link);
      }
      for (auto& a : args) argv.push_back(at_root(a, *s));
      sv_spawn sp;
      sp.cwd = o.cwd.empty() ? s->root.path() : s->root / o.cwd;
      for (auto& e : o.env) sp.env.push_back(at_root(e, *s));
      sp.env.insert(sp.env.begin(), "SVDIR=" + s->root.path());
      sp.uid = o.uid;
      procs.push_back(std::make_unique<sv_process>(argv, sp));
    }
    for (std::size_t i = 0; i < sides_.size(); ++i) {
      side& s = *sides_[i];
      sv_result r = procs[i]->finish(30s);
      std::string got = describe_sv(r, s.root.path());
      s.transcript += line + "\n";
      if (o.differs) {
        INFO(s.label << ": " << line << " (documented difference: " << o.differs->what << ")");
        CHECK(got == (s.ours_sv ? o.differs->ours : o.differs->debian));
        s.transcript += "<documented difference: " + o.differs->what + ">\n";
      } else {
        s.transcript += got;
      }
    }
    for (auto& s : sides_) {
      INFO(s->label << ": settling after " << line << "\ntranscript so far:\n" << s->transcript);
      settle(*s);
    }
  }

  // Every transcript must equal Debian's.
  void compare() {
    for (std::size_t i = 1; i < sides_.size(); ++i) {
      INFO(sides_[i]->label << " against " << sides_[0]->label << ": first difference "
                            << first_difference(sides_[0]->transcript, sides_[i]->transcript));
      CHECK(sides_[i]->transcript == sides_[0]->transcript);
    }
  }

  static side_fn nothing() {
    return [](side&) {};
  }

 private:
  void add(std::string label, std::string sv, std::string runsv, bool ours) {
    auto s = std::make_unique<side>();
    s->label = std::move(label);
    s->sv = std::move(sv);
    s->runsv = std::move(runsv);
    s->ours_sv = ours;
    sides_.push_back(std::move(s));
  }

  static std::string first_difference(const std::string& a, const std::string& b) {
    std::size_t start = 0;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
      if (a[i] != b[i]) {
        std::size_t prev = a.rfind("\n$", start);
        std::size_t from = prev == std::string::npos ? 0 : prev + 1;
        return "\n  reference: " + a.substr(from, a.find('\n', i) - from) +
               "\n  this side: " + b.substr(from, b.find('\n', i) - from);
      }
      if (a[i] == '\n') start = i;
    }
    return a.size() == b.size() ? "none" : "one is a prefix of the other";
  }

  // "@ROOT@" in an argument or environment entry stands for the side's root.
  static std::string at_root(std::string text, const side& s) {
    for (auto p = text.find("@ROOT@"); p != std::string::npos; p = text.find("@ROOT@"))
      text.replace(p, 6, s.root.path());
    return text;
  }

  std::vector<std::unique_ptr<side>> sides_;
};

// Settles when root/name's stat and status flags are as given.
inline side_fn state(const std::string& name, std::string stat, std::string flags) {
  return [=](side& s) { wait_state(s.dir(name), stat, flags, 10s); };
}

inline side_fn running(const std::string& name) { return state(name, "run\n", flags_hex(0, 'u', 0, 1)); }
inline side_fn down(const std::string& name) { return state(name, "down\n", flags_hex(0, 'd', 0, 0)); }

// Settles when name runs a child other than the one before the step.
inline side_fn restarted(const std::string& name) {
  return [=](side& s) {
    wait_running_other_than(s.dir(name), s.pid_before[name], 10s);
    wait_state(s.dir(name), "run\n", flags_hex(0, 'u', 0, 1), 10s);
  };
}

// Settles when name's runsv has exited.
inline side_fn runsv_exited(const std::string& name) {
  return [=](side& s) { REQUIRE(s.runsvs.at(name)->wait_exit(10s)); };
}

// Runs on every side before the step: the service's status is over 1 s old.
inline side_fn aged(const std::string& name) {
  return [=](side& s) { wait_aged(s.dir(name)); };
}

inline side_fn both(side_fn a, side_fn b) {
  return [=](side& s) {
    a(s);
    b(s);
  };
}

}  // namespace svinterop
