#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "core.hpp"
#include "runsv_rows.hpp"

// runsv's core (runsv/core.hpp) driven in a simulated world: the children
// and control scripts of a transition row's service (runsv_rows.hpp),
// answering at once. Its observation has the format of the rows' last
// column, so a real runsv can be compared with it step by step.

namespace test {

// A child of the simulated runsv.
struct sim_child {
  enum class kind { run, finish, log } what = kind::run;
  int number = 0;  // run: the N of "#N"
  bool alive = true;
  bool stopped = false;
  std::vector<int> pending;  // signals held while stopped
  std::vector<std::string> recorded;
};

// The world of one row: the ./run recorder (records HUP ALRM INT QUIT USR1
// USR2 TERM CONT, ends only on KILL), a ./finish that runs until killed, a
// log/run that ends at EOF, control scripts that end at once.
class runsv_world {
 public:
  explicit runsv_world(const runsv_config& cfg);
  // The byte to the main service (or the event of event_bytes), then
  // everything that follows it until nothing is left to happen; the core's
  // actions are added to `trace`.
  void send(char byte, std::vector<std::string>* trace = nullptr);
  // The observation, in the rows' format.
  std::string seen() const;

 private:
  std::string name(pid_t pid) const;
  std::string describe(const runsv::action& a) const;
  void dispatch(runsv::actions list, std::vector<std::string>* trace);
  runsv::actions perform(const runsv::action& a);
  void deliver(pid_t pid, int sig);
  void end(pid_t pid, int wait_status);
  void log_eof();
  void quiesce(std::vector<std::string>* trace);

  runsv_config cfg_;
  supervise::tai64n now_{(1ull << 62) + 10 + 1'700'000'000ull, 0};
  std::chrono::steady_clock::time_point steady_{};
  runsv::core core_;
  // What supervise/status and log/supervise/status hold: a state the core
  // has not written yet (runit's 'k') is not seen.
  supervise::status written_main_;
  supervise::status written_log_;
  std::map<pid_t, sim_child> children_;
  pid_t next_pid_ = 100;
  int runs_ = 0;
  std::string scripts_;
  std::deque<std::pair<pid_t, int>> exits_;
  std::deque<runsv::which> timers_;
  int terms_ = 0;
  bool exited_ = false;
  bool log_pipe_closed_ = false;
};

// The signals a ./run recorded, in name order. A shell records two signals
// sent at once (runsv's TERM and CONT) in either order, so only the
// multiset can be compared.
std::vector<std::string> sorted_signals(std::vector<std::string> names);

// Status bytes 16..19 of `s` as hex, "00 75 00 01".
std::string status_flags(const supervise::status& s);

}  // namespace test
