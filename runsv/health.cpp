#include "health.hpp"

#include <csignal>
#include <sys/wait.h>

#include "extensions.hpp"
#include "supervise/fatal.hpp"
#include "supervise/spawn.hpp"

namespace runsv {

void health_check::started() {
  failures_ = 0;
  arm();
}

void health_check::arm() {
  auto cfg = read_number_pair("health-check");
  if (!cfg || cfg->first <= 0 || cfg->second <= 0) return;
  if (!timer_) timer_ = std::make_unique<boost::asio::steady_timer>(io_);
  timer_->expires_after(std::chrono::seconds(cfg->first));
  timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || running_pid_() == 0) return;
    if (pid_) {
      ::kill(pid_, SIGKILL);
      pid_ = 0;
      failed();
    }
    if (running_pid_() == 0) return;
    supervise::spawn_spec spec;
    spec.argv = {"./check"};
    spec.prefix = prefix_;
    spec.reset_signals = {SIGCHLD, SIGTERM};
    spec.stdout_fd = stdout_fd_();
    spec.exec_failed = "unable to run ./check";
    pid_t pid = supervise::spawn(spec);
    if (pid > 0) pid_ = pid;
    arm();
  });
}

bool health_check::reaped(pid_t pid, int wait_status) {
  if (pid_ == 0 || pid != pid_) return false;
  pid_ = 0;
  if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) failures_ = 0;
  else failed();
  return true;
}

void health_check::failed() {
  auto cfg = read_number_pair("health-check");
  pid_t run = running_pid_();
  if (!cfg || ++failures_ < cfg->second || run == 0) return;
  failures_ = 0;
  supervise::warn(prefix_, "health check failed, restarting");
  ::kill(run, down_signal("down-signal"));
  ::kill(run, SIGCONT);
}

}  // namespace runsv
