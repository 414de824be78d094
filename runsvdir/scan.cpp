// DIR itself: its inotify watch, the events naming its entries, and the
// full scans (at start, once a minute, on ALRM, after lost events) that
// follow runit's rules (spec/runsvdir.md §4).

#include "runsvdir.hpp"

#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <unordered_map>
#include <unordered_set>

#include <boost/asio/post.hpp>

#include "supervise/fatal.hpp"
#include "supervise/inotify.hpp"

namespace runsvdir {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// Without inotify runit's 5 s poll is all there is; with it, a full rescan
// only has to catch what no event reports (a symlinked service directory
// replaced behind its link, a lost event queue), so once a minute is enough.
constexpr auto poll_interval = 5s;
constexpr auto rescan_interval = 60s;
constexpr int max_link_hops = 16;
constexpr int max_watch_attempts = 4;
// runit's pause before it tries again to return to its original directory.
constexpr auto pause_interval = 5s;

constexpr std::uint32_t dir_events = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                                     IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
constexpr std::uint32_t link_events = IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_DONT_FOLLOW;

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

// The symlinks on the way to DIR, each as its path and its target.
std::vector<std::string> scanner::link_chain() const {
  std::vector<std::string> chain;
  std::string path = opt_.dir;
  for (int hop = 0; hop < max_link_hops; ++hop) {
    struct stat st;
    if (::lstat(path.c_str(), &st) == -1 || !S_ISLNK(st.st_mode)) break;
    char target[4096];
    ssize_t n = ::readlink(path.c_str(), target, sizeof target - 1);
    if (n <= 0) break;
    std::string t(target, static_cast<std::size_t>(n));
    chain.push_back(path);
    chain.push_back(t);
    path = t[0] == '/' ? t : parent_of(path) + "/" + t;
  }
  return chain;
}

// Watches DIR and every symlink on the way to it (runsvchdir replaces
// .../current), so a switch of the service set is seen at once too. A
// switch is two renames; the watches may be set between them (current
// missing a moment): then the way to DIR differs afterwards, and they are
// set again.
bool scanner::watch_dir() {
  int fd = inotify_->native_handle();
  bool ok = false;
  for (int attempt = 0; attempt < max_watch_attempts; ++attempt) {
    for (int wd : watches_) ::inotify_rm_watch(fd, wd);
    watches_.clear();
    chain_ = link_chain();
    for (std::size_t i = 0; i < chain_.size(); i += 2) {
      int wd = ::inotify_add_watch(fd, chain_[i].c_str(), link_events);
      if (wd >= 0) watches_.push_back(wd);
    }
    int wd = ::inotify_add_watch(fd, opt_.dir.c_str(), dir_events);
    ok = wd >= 0;
    if (ok) watches_.push_back(wd);
    if (link_chain() == chain_) break;
  }
  return ok;
}

void scanner::arm_inotify() {
  inotify_->async_wait(asio::posix::descriptor_base::wait_read, [this](const boost::system::error_code& ec) {
    if (ec) return;
    arm_inotify();
    on_dir_events();
  });
}

// Each name an event mentions is looked at by itself; only a change of DIR
// itself, or lost events, takes a full scan.
void scanner::on_dir_events() {
  std::vector<std::string> order;
  std::unordered_map<std::string, arrival> how;  // set by the last event that made the entry
  bool rewatch = false, rescan = false;
  int dir_wd = watching_ && !watches_.empty() ? watches_.back() : -1;
  supervise::drain_inotify(inotify_->native_handle(), [&](const supervise::inotify_event_view& ev) {
    // A watch given up by watch_dir() reports IN_IGNORED too: only the
    // current ones count, or each rewatch would call for the next.
    bool current = std::find(watches_.begin(), watches_.end(), ev.wd) != watches_.end();
    if (current && (ev.mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB | IN_IGNORED))) rewatch = true;
    if (ev.mask & IN_Q_OVERFLOW) rescan = true;
    if (ev.wd != dir_wd || ev.name.empty() || ev.name[0] == '.') return;
    auto [it, fresh] = how.try_emplace(std::string(ev.name), arrival::whole);
    if (fresh) order.push_back(it->first);
    if (ev.mask & IN_CREATE) it->second = (ev.mask & IN_ISDIR) ? arrival::in_place : arrival::whole;
    if (ev.mask & IN_MOVED_TO) it->second = arrival::whole;
  });
  if (rewatch) {
    bool was = watching_;
    watching_ = watch_dir();
    // Back to the short poll until DIR is there again.
    if (was && !watching_) arm_periodic();
    rescan = true;
  }
  // While runsvdir cannot return to its directory nothing is done (runit
  // sleeps); a scan catches up.
  if (rescan || pausing_ || !dir_fd_) return request_scan();
  for (const auto& name : order) look_at(name, how[name]);
}

// What runit's scan does for one entry: a directory (or a link to one) is
// a service, known by its device and inode; a name that leads nowhere is
// reported; a name that is gone may leave its service without a name.
void scanner::look_at(const std::string& name, arrival how) {
  struct stat st;
  if (::fstatat(dir_fd_.get(), name.c_str(), &st, 0) == 0) {
    if (S_ISDIR(st.st_mode)) {
      service_key key{st.st_dev, st.st_ino};
      bool fresh = table_.find(key) == nullptr;
      if (fresh && !add_service(key, name)) return;
      if (auto orphan = table_.link(name, key)) orphaned(*orphan);
      if (fresh) first_sight(key, how);
      return;
    }
  } else {
    // There but not to be followed (a dangling symlink): runit's warning.
    int err = errno;
    struct stat lst;
    if (::fstatat(dir_fd_.get(), name.c_str(), &lst, AT_SYMLINK_NOFOLLOW) == 0)
      supervise::warn(prefix_, "unable to stat " + name, err);
  }
  if (auto orphan = table_.unlink(name)) orphaned(*orphan);
}

void scanner::request_scan() {
  if (scan_posted_) return;
  scan_posted_ = true;
  asio::post(io_, [this] {
    scan_posted_ = false;
    scan_now();
  });
}

void scanner::schedule_check(int seconds) {
  check_ = true;
  if (check_armed_) return;
  check_armed_ = true;
  check_timer_.expires_after(std::chrono::seconds(seconds));
  check_timer_.async_wait([this](const boost::system::error_code& ec) {
    check_armed_ = false;
    if (!ec) scan_now();
  });
}

// While DIR is watched a rescan is a safety net; while it is not (no
// inotify, or DIR missing) this is runit's 5 s poll, retrying the watch.
void scanner::arm_periodic() {
  periodic_.expires_after(watching_ ? rescan_interval : poll_interval);
  periodic_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    // Also catches a switch of a symlink on the way that no event reported.
    if (inotify_ && (!watching_ || link_chain() != chain_)) {
      watching_ = watch_dir();
      if (watching_) check_ = true;
    }
    arm_periodic();
    if (watching_) scan_now();
    else scan_if_changed();
  });
}

// runit's rule where nothing is watched: rescan when DIR's mtime, inode or
// device changed, and not within the second of its mtime (a change later in
// that same second would be missed), which runit sleeps through.
void scanner::scan_if_changed() {
  struct stat st;
  if (::stat(opt_.dir.c_str(), &st) == -1) {
    supervise::warn(prefix_, "unable to stat " + opt_.dir, errno);
    return;
  }
  bool changed = st.st_mtim.tv_sec != last_mtime_.tv_sec || st.st_mtim.tv_nsec != last_mtime_.tv_nsec ||
                 st.st_ino != last_ino_ || st.st_dev != last_dev_;
  if (!check_ && !changed) return;
  if (::time(nullptr) <= st.st_mtim.tv_sec) {
    schedule_check(1);
    return;
  }
  scan_now();
}

// The listing is taken in DIR, as runit's; what it means is worked out
// back in the original directory, where the watches' paths hold.
void scanner::scan_now() {
  if (halting_ || hup_stopping_) return;
  if (pausing_) {
    check_ = true;  // scanned once runsvdir is back in its directory
    return;
  }
  struct stat st;
  if (::stat(opt_.dir.c_str(), &st) == -1) {
    supervise::warn(prefix_, "unable to stat " + opt_.dir, errno);
    return;
  }
  if (::chdir(opt_.dir.c_str()) == -1) {
    supervise::warn(prefix_, "unable to change directory to " + opt_.dir, errno);
    return;
  }
  last_mtime_ = st.st_mtim;
  last_dev_ = st.st_dev;
  last_ino_ = st.st_ino;
  check_ = false;
  listing seen;
  bool complete = list_entries(seen);
  if (complete) confirm_gone(seen);
  supervise::fd here = supervise::open_fd(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (here) dir_fd_ = std::move(here);
  return_to_original_dir();
  if (pausing_) {
    check_ = true;
    return;
  }
  apply_listing(seen, complete);
}

// runit retries every 5 s, forever, in a sleep; a timer keeps reaping and
// obeying signals meanwhile. Scans wait: DIR may be relative.
void scanner::return_to_original_dir() {
  if (::fchdir(original_dir_.get()) == 0) {
    if (pausing_) {
      pausing_ = false;
      if (check_) request_scan();
    }
    return;
  }
  supervise::warn(prefix_, "unable to change directory, pausing", errno);
  pausing_ = true;
  pause_timer_.expires_after(pause_interval);
  pause_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) return_to_original_dir();
  });
}

// Every directory entry of DIR (cwd) that is a service, with runit's
// warnings. False after a read error: then nothing may be taken for gone.
bool scanner::list_entries(listing& out) {
  DIR* d = ::opendir(".");
  if (!d) {
    supervise::warn(prefix_, "unable to open directory " + opt_.dir, errno);
    return false;
  }
  for (;;) {
    errno = 0;
    dirent* ent = ::readdir(d);
    if (!ent) break;
    if (ent->d_name[0] == '.') continue;
    struct stat st;
    if (::stat(ent->d_name, &st) == -1) {
      supervise::warn(prefix_, std::string("unable to stat ") + ent->d_name, errno);
      continue;
    }
    if (S_ISDIR(st.st_mode)) out.emplace_back(ent->d_name, service_key{st.st_dev, st.st_ino});
  }
  int err = errno;
  ::closedir(d);
  if (!err) return true;
  supervise::warn(prefix_, "unable to read directory " + opt_.dir, err);
  schedule_check(1);
  return false;
}

// A readdir that runs while an entry is renamed within the directory may
// return it under neither name. Before a service is taken for removed (and
// its runsv gets TERM), the directory is listed once more: whatever is seen
// there, by device and inode, stays. Only runs when something looked gone.
void scanner::confirm_gone(listing& seen) {
  std::unordered_set<service_key, service_key_hash> found;
  for (const auto& [name, key] : seen) found.insert(key);
  std::size_t missing = 0;
  table_.for_each([&](const service_key& key, service_entry&) { missing += !found.count(key); });
  if (!missing) return;
  DIR* d = ::opendir(".");
  if (!d) return;
  while (dirent* ent = ::readdir(d)) {
    if (ent->d_name[0] == '.') continue;
    struct stat st;
    if (::stat(ent->d_name, &st) == -1 || !S_ISDIR(st.st_mode)) continue;
    service_key key{st.st_dev, st.st_ino};
    if (!found.count(key) && table_.find(key)) seen.emplace_back(ent->d_name, key);
  }
  ::closedir(d);
}

// The names are taken from the listing; a service none of them leads to
// is gone (only after a complete listing, as in runit); new ones are seen.
void scanner::apply_listing(const listing& seen, bool complete) {
  out_of_memory_ = false;
  if (complete) table_.clear_names();
  std::vector<service_key> fresh;
  for (const auto& [name, key] : seen) {
    bool is_new = table_.find(key) == nullptr;
    if (is_new && !add_service(key, name)) continue;
    if (auto orphan = table_.link(name, key)) orphaned(*orphan);
    if (is_new) fresh.push_back(key);
  }
  if (complete) {
    std::vector<service_key> gone;
    table_.for_each([&](const service_key& key, service_entry& e) {
      if (e.names.empty()) gone.push_back(key);
    });
    for (const auto& key : gone) remove_service(key);
  }
  for (const auto& key : fresh) first_sight(key, arrival::found);
  pending_.regular_scan();
}

}  // namespace runsvdir
