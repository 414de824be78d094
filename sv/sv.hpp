#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "command.hpp"
#include "options.hpp"
#include "status_json.hpp"
#include "supervise/fd.hpp"
#include "supervise/status.hpp"

// sv: sends control bytes to runsv and reports or waits for the result
// (spec/sv.md §5-9).

namespace sv {

class controller {
 public:
  controller(options o, command c);
  // Runs the command over every service; returns sv's exit code.
  // Throws supervise::fatal_error (exit 100, or 151 in init-script mode).
  int run();

 private:
  enum class got { status, not_running, failed };
  struct pending {
    std::string name;
    int watch = -1;       // inotify watch on its supervise/, -1 if none
    bool done = false;    // ok, timeout or error found
    bool printed = false;
    std::string output;   // its lines, held until its turn in the argument order
  };

  std::vector<pending> handle(const std::vector<std::string>& names);
  std::vector<std::vector<std::string>> stop_layers(const std::vector<std::string>& names) const;
  bool enter(const std::string& name, bool wait_phase);
  void leave();
  got get_status(const std::string& label, supervise::status& out);
  // Reports "runsv not running": ok for an exit command, else fail (an error).
  void not_running(const std::string& label);
  // Reports "warning: LABEL: TEXT[: ERRSTR]" (err 0: none) and counts an error.
  void warning(const std::string& label, const std::string& text, int err);
  bool send(const std::string& name, const std::string& acts);
  bool backoff_waits(const supervise::status& st);
  void print_status(const std::string& name);
  void json_status(const std::string& name);
  json_entry json_part(const std::string& name, const std::string& label);
  bool ready_ok();
  // ready (beyond runit): nullopt when the service is ready, else what
  // follows its status line (", not ready"; "" when the line says it).
  std::optional<std::string> not_ready(const std::string& name, const supervise::status& st);
  void probe(const std::string& name);
  std::vector<std::string> every_service() const;
  void print_log_part(const std::string& name, const supervise::status& main);
  int check(pending& p);
  bool check_script(const std::string& name);
  int down_file(const std::string& name);
  void wait_all(std::vector<pending> services);
  bool look(std::vector<pending>& services, int inotify, bool pass, double elapsed);
  void look_at(pending& p, int inotify, bool pass, double elapsed);
  bool wait_for_change(int inotify, std::chrono::steady_clock::time_point until);
  bool read_events(int inotify);
  int exit_code() const;

  void out(std::string_view text);
  // A "KIND: LABEL: TEXT" line, or with -j status TEXT kept for the JSON.
  void report(const char* kind, const std::string& label, const std::string& text);
  bool json() const { return opt_.json && cmd_.status; }
  void flush();
  void error() { ++errors_; }

  options opt_;
  command cmd_;
  supervise::fd original_dir_;
  std::uint64_t tstart_ = 0;   // TAI64 seconds when sv started
  std::chrono::steady_clock::time_point started_;  // the same instant, for -w
  int errors_ = 0;
  bool whole_dir_ = false;     // ready without names: services wanted down pass
  int lsb_status_ = 0;         // exit code of the init-script "status"
  std::string buffer_;
  std::string last_error_;         // with -j status: the last report's text
  std::vector<json_service> json_;
};

// Parses argv, runs, returns the exit code.
int main(int argc, char** argv);

}  // namespace sv
