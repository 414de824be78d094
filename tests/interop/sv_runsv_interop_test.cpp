// Debian's sv drives a runsv: the same scripted scenario runs against
// Debian's runsv and against ours, side by side in separate temporary
// directories with the same service names, and the transcripts (sv output and
// exit codes, supervise/ files after each step) must be equal once pids and
// seconds are masked.

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <dirent.h>
#include <functional>
#include <map>
#include <memory>
#include <sys/stat.h>

#include "fixture.hpp"

using namespace test;

namespace {

// "(pid 123)" -> "(pid X)", " 17s" -> " Xs".
std::string mask(const std::string& text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
      out += text[i++];
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
    bool pid = out.size() >= 5 && out.compare(out.size() - 5, 5, "(pid ") == 0;
    bool secs = j < text.size() && text[j] == 's' && !out.empty() && out.back() == ' ';
    out += (pid || secs) ? std::string("X") : text.substr(i, j - i);
    i = j;
  }
  return out;
}

std::string listing(const std::string& dir) {
  std::map<std::string, std::string> rows;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return "<no " + dir + ">\n";
  while (dirent* de = ::readdir(d)) {
    std::string name = de->d_name;
    if (name == "." || name == "..") continue;
    struct stat st;
    if (::lstat((dir + "/" + name).c_str(), &st) != 0) continue;
    char type = S_ISDIR(st.st_mode) ? 'd' : S_ISFIFO(st.st_mode) ? 'p' : S_ISREG(st.st_mode) ? '-' : '?';
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    std::string size = name == "pid" ? "N" : std::to_string(st.st_size);
    rows[name] = std::string(1, type) + " " + mode + " " + size;
  }
  ::closedir(d);
  std::string out;
  for (auto& [name, row] : rows) out += "  " + name + " " + row + "\n";
  return out;
}

// The pid file's shape: "N\n" for a decimal pid, "" when empty.
std::string pid_format(const std::optional<std::string>& pid) {
  if (!pid) return "<missing>";
  if (pid->empty()) return "";
  std::size_t digits = 0;
  while (digits < pid->size() && std::isdigit(static_cast<unsigned char>((*pid)[digits]))) ++digits;
  if (digits > 0 && pid->substr(digits) == "\n") return "N\\n";
  return "<bad: " + *pid + ">";
}

struct side {
  std::string label;
  std::string binary;
  service_fixture f;
  std::unique_ptr<runsv_instance> rs;
  std::string transcript;
  std::uint32_t last_pid = 0;        // main pid before the current step
  std::size_t signals_before = 0;    // lines in ./signals before the current step
};

std::string first_difference(const std::string& a, const std::string& b) {
  std::size_t line = 1, start = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i] != b[i]) {
      auto end_a = a.find('\n', i), end_b = b.find('\n', i);
      return "line " + std::to_string(line) + ":\n  debian: " + a.substr(start, end_a - start) +
             "\n  ours:   " + b.substr(start, end_b - start);
    }
    if (a[i] == '\n') {
      ++line;
      start = i + 1;
    }
  }
  return a.size() == b.size() ? "none" : "one transcript is a prefix of the other (line " + std::to_string(line) + ")";
}

// For a failure message: the State and signal lines of /proc/PID/status and
// the command line of the process.
std::string describe_pid(std::uint32_t pid) {
  if (pid == 0) return "none\n";
  const std::string proc = "/proc/" + std::to_string(pid);
  std::string out = "pid " + std::to_string(pid) + ":";
  for (auto& l : read_lines(proc + "/status"))
    if (l.rfind("State:", 0) == 0 || l.rfind("Sig", 0) == 0 || l.rfind("ShdPnd:", 0) == 0) out += " " + l + ";";
  std::string cmd = read_file(proc + "/cmdline").value_or("<gone>");
  std::replace(cmd.begin(), cmd.end(), '\0', ' ');
  return out + " cmdline: " + cmd + "\n";
}

// What a step waits for on each side before its state is recorded.
using settle_fn = std::function<void(side&)>;

class scenario {
 public:
  scenario() {
    sides_[0].label = "debian";
    sides_[0].binary = reference_bin("runsv");
    sides_[1].label = "ours";
    sides_[1].binary = runsv_under_test();
  }

  // Prepares the same service directory on both sides.
  void setup(const std::function<void(service_fixture&)>& prepare) {
    for (auto& s : sides_) prepare(s.f);
  }

  void start(const settle_fn& settle) {
    for (auto& s : sides_) {
      runsv_instance::options o;
      o.binary = s.binary;
      s.rs = std::make_unique<runsv_instance>(s.f.svc, o);
    }
    for (auto& s : sides_) {
      INFO(s.label << " runsv");
      s.rs->wait_ready();
      settle(s);
      s.transcript += "# started\n";
      record(s, "svc");
    }
  }

  // Runs `sv ARGS` on both sides at once, then settles and records.
  void sv(const std::vector<std::string>& args, const settle_fn& settle, const std::vector<std::string>& record_dirs = {"svc"}) {
    std::vector<std::unique_ptr<process>> procs;
    for (auto& s : sides_) {
      auto st = read_status(s.f.svc);
      s.last_pid = st ? st->pid : 0;
      s.signals_before = s.f.lines("signals").size();
      std::vector<std::string> argv{reference_bin("sv")};
      argv.insert(argv.end(), args.begin(), args.end());
      spawn_options o;
      o.cwd = s.f.root.path();
      o.env = {"SVDIR=" + s.f.root.path()};
      procs.push_back(std::make_unique<process>(argv, o));
    }
    std::string line = "$ sv";
    for (auto& a : args) line += " " + a;
    for (std::size_t i = 0; i < sides_.size(); ++i) {
      auto& s = sides_[i];
      auto st = procs[i]->wait_exit(15s);
      INFO(s.label << ": " << line);
      REQUIRE(st);
      s.transcript += line + "\n";
      s.transcript += "stdout: " + mask(procs[i]->out());
      if (procs[i]->out().empty() || procs[i]->out().back() != '\n') s.transcript += "\n";
      s.transcript += "stderr: " + mask(procs[i]->err());
      if (procs[i]->err().empty() || procs[i]->err().back() != '\n') s.transcript += "\n";
      s.transcript += st->describe() + "\n";
    }
    for (auto& s : sides_) {
      INFO(s.label << " after " << line << "\ntranscript so far:\n" << s.transcript);
      settle(s);
      for (auto& d : record_dirs) record(s, d);
    }
  }

  void add_note(const std::function<std::string(side&)>& note) {
    for (auto& s : sides_) s.transcript += note(s);
  }

  void compare() {
    INFO("runsv under test: " << sides_[1].binary);
    INFO("first difference: " << first_difference(sides_[0].transcript, sides_[1].transcript));
    CHECK(sides_[0].transcript == sides_[1].transcript);
  }

  side& debian() { return sides_[0]; }
  side& ours() { return sides_[1]; }

 private:
  static void record(side& s, const std::string& rel) {
    const std::string dir = s.f.root / rel;
    auto st = read_status(dir);
    s.transcript += "  " + rel + " status[16..19]: " + (st ? st->flags_hex() : std::string("<bad>")) + "\n";
    s.transcript += "  " + rel + " stat: " + read_stat(dir);
    s.transcript += "  " + rel + " pid: " + pid_format(read_pid_file(dir)) + "\n";
    if (exists(dir + "/signals")) {
      std::string sig = read_file(dir + "/signals").value_or("");
      for (char& c : sig)
        if (c == '\n') c = ' ';
      s.transcript += "  " + rel + " signals: " + sig + "\n";
    }
  }

  std::array<side, 2> sides_;
};

// Settles when stat and status flags are as given.
settle_fn state(std::string stat, std::string flags, std::string rel = "svc") {
  return [=](side& s) { wait_state(s.f.root / rel, stat, flags, 10s); };
}

// Settles when the recorder run script runs with a new pid.
settle_fn restarted() {
  return [](side& s) {
    auto st = wait_running_other_than(s.f.svc, s.last_pid, 10s);
    wait_state(s.f.svc, "run\n", flags_hex(0, 'u', 0, 1), 10s);
    wait_recorder_ready(s.f.svc, st.pid, 10s);
  };
}

// Settles when the recorder wrote a line for this step's signal: a new last
// line, not the last line of an earlier step (`sv down` already ended the
// file with CONT when `sv cont` runs).
settle_fn last_signal(std::string name, std::string stat, std::string flags) {
  return [=](side& s) {
    wait_until(
        [&] {
          auto l = s.f.lines("signals");
          return l.size() > s.signals_before && l.back() == name;
        },
        "signal " + name, 10s, [&] { return "signals: " + s.f.text("signals"); });
    wait_state(s.f.svc, stat, flags, 10s);
  };
}

settle_fn runsv_exited() {
  return [](side& s) {
    auto st = s.rs->wait_exit(10s);
    INFO("signals: " << s.f.text("signals") << "stat: " << read_stat(s.f.svc)
                     << "service process: " << describe_pid(read_status(s.f.svc) ? read_status(s.f.svc)->pid : 0));
    REQUIRE(st);
    s.transcript += "  runsv " + st->describe() + "\n";
  };
}

settle_fn nothing() {
  return [](side&) {};
}

}  // namespace

TEST_CASE("Debian sv drives our runsv exactly as it drives Debian runsv through every command", "[interop][sv]") {
  scenario sc;
  sc.setup([](service_fixture& f) { write_script(f.at("run"), sh::signal_recorder(true)); });
  sc.start(restarted());
  sc.add_note([](side& s) { return "supervise/:\n" + listing(s.f.at("supervise")); });

  const std::string run_flags = flags_hex(0, 'u', 0, 1);
  sc.sv({"status", "svc"}, nothing());
  sc.sv({"down", "svc"}, state("down\n", flags_hex(0, 'd', 0, 0)));
  sc.sv({"status", "svc"}, nothing());
  sc.sv({"up", "svc"}, restarted());
  sc.sv({"once", "svc"}, state("run, want down\n", flags_hex(0, 'd', 0, 1)));
  sc.sv({"status", "svc"}, nothing());
  sc.sv({"up", "svc"}, state("run\n", run_flags));
  sc.sv({"pause", "svc"}, state("run, paused\n", flags_hex(1, 'u', 0, 1)));
  sc.sv({"status", "svc"}, nothing());
  sc.sv({"cont", "svc"}, last_signal("CONT", "run\n", run_flags));
  sc.sv({"hup", "svc"}, last_signal("HUP", "run\n", run_flags));
  sc.sv({"alarm", "svc"}, last_signal("ALRM", "run\n", run_flags));
  sc.sv({"interrupt", "svc"}, last_signal("INT", "run\n", run_flags));
  sc.sv({"quit", "svc"}, last_signal("QUIT", "run\n", run_flags));
  sc.sv({"1", "svc"}, last_signal("USR1", "run\n", run_flags));
  sc.sv({"2", "svc"}, last_signal("USR2", "run\n", run_flags));
  sc.sv({"term", "svc"}, last_signal("TERM", "run, got TERM\n", flags_hex(0, 'u', 1, 1)));
  sc.sv({"status", "svc"}, nothing());
  // The recorder exits at the CONT that follows a TERM; want up restarts it.
  sc.sv({"cont", "svc"}, restarted());
  sc.sv({"kill", "svc"}, restarted());
  sc.sv({"status", "svc"}, nothing());
  sc.sv({"exit", "svc"}, runsv_exited());
  sc.sv({"status", "svc"}, nothing());
  sc.add_note([](side& s) { return "supervise/ after exit:\n" + listing(s.f.at("supervise")); });
  sc.compare();
}

TEST_CASE("Debian sv drives our runsv exactly as it drives Debian runsv with a log service", "[interop][sv][log]") {
  scenario sc;
  sc.setup([](service_fixture& f) {
    write_script(f.at("run"), "echo hello from run\nexec sleep 1000\n");
    make_dir(f.at("log"));
    write_script(f.at("log/run"), "exec cat >> ../logged\n");
  });
  const std::string run_flags = flags_hex(0, 'u', 0, 1);
  sc.start([&](side& s) {
    wait_state(s.f.svc, "run\n", run_flags, 10s);
    wait_state(s.f.at("log"), "run\n", run_flags, 10s);
    wait_until([&] { return s.f.text("logged") == "hello from run\n"; }, "the log line", 10s);
  });
  sc.add_note([](side& s) {
    return "supervise/:\n" + listing(s.f.at("supervise")) + "log/supervise/:\n" + listing(s.f.at("log/supervise")) +
           "logged: " + s.f.text("logged");
  });

  const std::vector<std::string> both{"svc", "svc/log"};
  sc.sv({"status", "svc"}, nothing(), both);
  sc.sv({"down", "svc/log"}, state("down\n", flags_hex(0, 'd', 0, 0), "svc/log"), both);
  sc.sv({"status", "svc"}, nothing(), both);
  sc.sv({"status", "svc/log"}, nothing(), both);
  sc.sv({"up", "svc/log"}, state("run\n", run_flags, "svc/log"), both);
  sc.sv({"status", "svc"}, nothing(), both);
  sc.sv({"down", "svc"}, state("down\n", flags_hex(0, 'd', 0, 0)), both);
  sc.sv({"status", "svc"}, nothing(), both);
  sc.sv({"exit", "svc"}, runsv_exited(), both);
  sc.sv({"status", "svc"}, nothing(), both);
  sc.add_note([](side& s) { return "logged: " + s.f.text("logged"); });
  sc.compare();
}

TEST_CASE("Debian sv force-stop of a service ignoring TERM is the same with our runsv and Debian runsv", "[interop][sv]") {
  scenario sc;
  sc.setup([](service_fixture& f) { write_script(f.at("run"), "trap '' TERM\nexec sleep 1000\n"); });
  sc.start([](side& s) { wait_state(s.f.svc, "run\n", flags_hex(0, 'u', 0, 1), 10s); });

  sc.sv({"-w", "2", "force-stop", "svc"}, state("down\n", flags_hex(0, 'd', 0, 0)));
  sc.sv({"status", "svc"}, nothing());
  sc.sv({"exit", "svc"}, runsv_exited());
  sc.compare();
}
