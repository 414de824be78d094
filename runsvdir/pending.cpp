#include "pending.hpp"

#include <algorithm>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "service_check.hpp"
#include "supervise/fatal.hpp"
#include "supervise/inotify.hpp"

namespace runsvdir {

namespace asio = boost::asio;

namespace {

// Everything that changes what is in a directory or a file in it. Our own
// look (open for reading) is not among them.
constexpr std::uint32_t svdir_events = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_MODIFY |
                                       IN_ATTRIB | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

}  // namespace

pending_services::pending_services(asio::io_context& io, std::string dir, std::string prefix,
                                   service_table& table, const supervise::fd& dir_fd,
                                   std::function<void(const service_key&)> ready)
    : io_(io),
      dir_(std::move(dir)),
      prefix_(std::move(prefix)),
      table_(table),
      dir_fd_(dir_fd),
      ready_(std::move(ready)) {
  // Without a descriptor of its own every waiting service is unwatched.
  int fd = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd < 0) return;
  inotify_ = std::make_unique<asio::posix::stream_descriptor>(io_, fd);
  arm_inotify();
}

const std::string* pending_services::name_of(const service_key& key) {
  service_entry* e = table_.find(key);
  if (!e || e->names.empty()) return nullptr;
  return &e->names.front();
}

void pending_services::add(const service_key& key) {
  auto [it, fresh] = waiting_.try_emplace(key, io_);
  if (!fresh) return;
  waiting& w = it->second;
  w.since = w.last_event = clock::now();
  watch(key, w);
  arm(key, w, w.since + settle_time);
}

void pending_services::remove(const service_key& key) {
  auto it = waiting_.find(key);
  if (it == waiting_.end()) return;
  waiting& w = it->second;
  if (w.wd >= 0) --watched_;
  drop_watch(w.wd, key);
  drop_watch(w.log_wd, key);
  waiting_.erase(it);  // its timer's handler then sees operation_aborted
}

void pending_services::watch(const service_key& key, waiting& w) {
  const std::string* name = name_of(key);
  if (!inotify_ || !name || watched_ >= max_watched) return;
  int wd = ::inotify_add_watch(inotify_->native_handle(), (dir_ + "/" + *name).c_str(), svdir_events);
  // No room for a watch (max_user_watches): looked at every second instead.
  if (wd < 0) return;
  owners_[wd].push_back(key);
  w.wd = wd;
  ++watched_;
  watch_log(key, w);
}

// log/ is watched while it is a directory: log/run is written in there.
void pending_services::watch_log(const service_key& key, waiting& w) {
  const std::string* name = name_of(key);
  if (!name || w.wd < 0) return;
  std::string log = dir_ + "/" + *name + "/log";
  struct stat st;
  int wd = -1;
  if (::stat(log.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    wd = ::inotify_add_watch(inotify_->native_handle(), log.c_str(), svdir_events);
  if (wd == w.log_wd) return;
  drop_watch(w.log_wd, key);
  if (wd < 0) return;
  owners_[wd].push_back(key);
  w.log_wd = wd;
}

// Two services may share a watch (log/ a symlink to one directory): it is
// removed with its last owner.
void pending_services::drop_watch(int& wd, const service_key& key) {
  if (wd < 0) return;
  auto it = owners_.find(wd);
  if (it != owners_.end()) {
    auto& keys = it->second;
    auto at = std::find(keys.begin(), keys.end(), key);
    if (at != keys.end()) keys.erase(at);
    if (keys.empty()) {
      ::inotify_rm_watch(inotify_->native_handle(), wd);
      owners_.erase(it);
    }
  }
  wd = -1;
}

void pending_services::arm_inotify() {
  inotify_->async_wait(asio::posix::descriptor_base::wait_read, [this](const boost::system::error_code& ec) {
    if (ec) return;
    on_events();
    arm_inotify();
  });
}

void pending_services::on_events() {
  std::vector<std::pair<service_key, bool>> hits;  // service, its log/ changed
  bool overflow = false;
  supervise::drain_inotify(inotify_->native_handle(), [&](const supervise::inotify_event_view& ev) {
    if (ev.mask & IN_Q_OVERFLOW) overflow = true;
    auto it = owners_.find(ev.wd);
    if (it == owners_.end()) return;
    for (const auto& key : it->second) {
      auto w = waiting_.find(key);
      if (w == waiting_.end()) continue;
      hits.emplace_back(key, ev.wd == w->second.wd && ev.name == "log");
      // The kernel dropped the watch (its directory is gone).
      if (ev.mask & IN_IGNORED) {
        if (w->second.wd == ev.wd) --watched_;
        if (w->second.wd == ev.wd) w->second.wd = -1;
        if (w->second.log_wd == ev.wd) w->second.log_wd = -1;
      }
    }
    if (ev.mask & IN_IGNORED) owners_.erase(it);
  });
  for (const auto& [key, log_changed] : hits) touched(key, log_changed);
  // Events were lost: every waiting service may have changed.
  if (overflow)
    for (auto& [key, w] : waiting_) touched(key, false);
}

void pending_services::touched(const service_key& key, bool log_changed) {
  auto it = waiting_.find(key);
  if (it == waiting_.end()) return;
  waiting& w = it->second;
  w.last_event = clock::now();
  if (log_changed) watch_log(key, w);
  if (!w.armed) arm(key, w, w.last_event + settle_time);
}

void pending_services::arm(const service_key& key, waiting& w, clock::time_point when) {
  w.armed = true;
  w.timer.expires_at(when);
  w.timer.async_wait([this, key](const boost::system::error_code& ec) {
    if (!ec) evaluate(key);
  });
}

void pending_services::evaluate(const service_key& key) {
  auto it = waiting_.find(key);
  if (it == waiting_.end()) return;
  waiting& w = it->second;
  w.armed = false;
  auto now = clock::now();
  // Events only push the time on; the timer catches up with it here.
  if (now < w.last_event + settle_time) return arm(key, w, w.last_event + settle_time);
  const std::string* name = name_of(key);
  if (!name) return;
  check_result r = check_service(dir_fd_.get(), *name);
  // Unwatched, quiet means its files have not changed for settle_time.
  if (r.complete && (w.wd >= 0 || older_than(r.newest, settle_time.count()))) return start(key);
  bool stuck = !r.complete && !r.being_written;
  if (stuck && !w.noticed && now >= w.since + notice_after) {
    supervise::warn(prefix_, "waiting for " + *name + "/" + r.what + ": " + r.why);
    w.noticed = true;
  }
  if (w.wd < 0) arm(key, w, now + unwatched_recheck);
  else if (stuck && !w.noticed) arm(key, w, w.since + notice_after);
}

void pending_services::regular_scan() {
  auto now = clock::now();
  std::vector<service_key> due;
  for (auto& [key, w] : waiting_) {
    if (now < w.since + notice_after || now < w.last_event + settle_time) continue;
    const std::string* name = name_of(key);
    if (name && !check_service(dir_fd_.get(), *name).being_written) due.push_back(key);
  }
  for (const auto& key : due) start(key);
}

void pending_services::start(const service_key& key) {
  remove(key);
  ready_(key);
}

}  // namespace runsvdir
