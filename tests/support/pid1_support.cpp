#include "pid1_support.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <map>
#include <sys/stat.h>
#include <unistd.h>
#include <utmp.h>

#include <cstring>

#include "runsvdir_support.hpp"

namespace test::pid1 {

namespace {

// Binds the namespace's files, then execs PID 1. $0 is the root; the binds
// come as pairs up to "--"; "--no-proc" after it unmounts every /proc
// (unshare's and the host's below it) first.
constexpr const char* setup_script = R"(set -e
root=$0
[ -d /etc/runit ] || mkdir -p /etc/runit
[ -e /dev/console ] || : > /dev/console
mount --bind "$root/run" /run
mount --bind "$root/etc" /etc/runit
mount --bind "$root/console" /dev/console
while [ "$1" != -- ]; do mount --bind "$1" "$2"; shift 2; done
shift
if [ "$1" = --no-proc ]; then
  shift
  while umount -l /proc 2>/dev/null; do :; done
  [ ! -e /proc/self ] || { echo "/proc is still mounted" >&2; exit 1; }
fi
exec "$@"
)";

std::string real_path(const std::string& path) {
  char* r = ::realpath(path.c_str(), nullptr);
  if (!r) return path;
  std::string out(r);
  std::free(r);
  return out;
}

std::string comm_of(pid_t pid) {
  auto text = read_file("/proc/" + std::to_string(pid) + "/comm");
  if (!text) return {};
  if (!text->empty() && text->back() == '\n') text->pop_back();
  return *text;
}

}  // namespace

container::container(std::string_view tag) : dir_(tag) {
  for (const char* d : {"etc", "run", "bin", "service", "marks"}) make_dir(dir_ / d);
  REQUIRE(::mkfifo((dir_ / "console").c_str(), 0600) == 0);
  // Opened before PID 1 exists, so its writes never block on open.
  console_fd_ = ::open((dir_ / "console").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  REQUIRE(console_fd_ != -1);
  const std::pair<const char*, const char*> links[] = {
      {"runsvdir", RUNSVDIR_BIN}, {"runsv", RUNSV_BIN},           {"sv", SV_BIN},
      {"svlogd", SVLOGD_BIN},     {"runit-init", RUNIT_INIT_BIN}, {"utmpset", UTMPSET_BIN},
      {"chpst", CHPST_BIN}};
  for (auto [name, target] : links) REQUIRE(::symlink(target, (bin() + "/" + name).c_str()) == 0);
}

container::~container() {
  kill();
  if (console_fd_ != -1) ::close(console_fd_);
}

void container::kill() noexcept {
  if (unshare_ && !unshare_->poll_exit()) {
    if (pid1_ > 0) ::kill(pid1_, SIGKILL);  // ends every process of the namespace
    if (!unshare_->wait_exit(5s)) kill_tree(unshare_->pid());
    unshare_->wait_exit(5s);
  }
}

void container::script(std::string_view name, std::string_view body) const {
  write_script(etc() + "/" + std::string(name), body);
}

std::string container::add_service(std::string_view name, std::string_view run, std::string_view finish) const {
  std::string dir = service() + "/" + std::string(name);
  make_dir(dir);
  if (!finish.empty()) write_script(dir + "/finish", finish);
  write_script(dir + "/run", run);
  return dir;
}

void container::standard_stages(std::string_view stage3_extra) const {
  script("1", "echo 1 >>" + marks() + "/stages\n");
  script("2", "echo 2 >>" + marks() + "/stages\nexec runsvdir -P " + service() + "\n");
  script("3", std::string(stage3_extra) + "echo 3 >>" + marks() + "/stages\n");
}

void container::start(std::vector<std::string> argv, std::vector<std::string> env) {
  REQUIRE(!unshare_);
  std::vector<std::string> args{"/usr/bin/unshare", "--pid",      "--fork", "--mount-proc",
                                "--kill-child",     "/bin/sh",    "-c",     setup_script,
                                root()};
  for (const auto& [src, dst] : binds_) {
    args.push_back(src);
    args.push_back(dst);
  }
  args.push_back("--");
  if (no_proc_) args.push_back("--no-proc");
  args.insert(args.end(), argv.begin(), argv.end());
  spawn_options opts;
  opts.new_session = true;
  opts.env = {"PATH=" + bin() + ":/usr/sbin:/usr/bin:/sbin:/bin", "ASAN_OPTIONS=detect_leaks=0"};
  opts.env.insert(opts.env.end(), env.begin(), env.end());
  unshare_.emplace(args, opts);
  // PID 1 is unshare's child: first unshare itself, then sh, then argv[0]
  // (which may exec further, as runit-init does).
  const std::string sh = real_path("/bin/sh");
  const std::string unshare = real_path("/usr/bin/unshare");
  wait_until(
      [&] {
        if (unshare_->poll_exit()) return true;
        if (pid1_ <= 0) {
          auto kids = children_of(unshare_->pid());
          if (kids.empty()) return false;
          pid1_ = kids.front();
        }
        std::string exe = read_link("/proc/" + std::to_string(pid1_) + "/exe");
        return !exe.empty() && exe != sh && exe != unshare;
      },
      "PID 1 to exec " + argv.at(0), long_timeout, [&] { return output(); });
}

void container::signal(int sig) const noexcept {
  if (pid1_ > 0 && unshare_ && !unshare_->status()) ::kill(pid1_, sig);
}

std::optional<wait_status> container::wait_exit(std::chrono::milliseconds timeout) {
  REQUIRE(unshare_);
  std::optional<wait_status> st;
  poll_until(
      [&] {
        drain_console();
        if (!unshare_->poll_exit()) return false;
        st = unshare_->status();
        return true;
      },
      timeout);
  drain_console();
  return st;
}

bool container::exited() { return unshare_ && unshare_->poll_exit(); }

void container::drain_console() {
  read_available(console_fd_, console_);
}

const std::string& container::console() {
  drain_console();
  return console_;
}

void container::wait_console(std::string_view text, std::chrono::milliseconds timeout) {
  wait_until([&] { return console().find(text) != std::string::npos; }, "console to show \"" + std::string(text) + "\"",
             timeout, [&] { return "console:\n" + console_ + "\noutput:\n" + output(); });
}

std::string container::output() {
  if (!unshare_) return {};
  return unshare_->out() + unshare_->err();
}

std::vector<ns_proc> container::processes() const {
  std::vector<ns_proc> all;
  if (pid1_ <= 0) return all;
  std::multimap<pid_t, ns_proc> by_parent;
  std::optional<ns_proc> first;
  if (DIR* d = ::opendir("/proc")) {
    while (dirent* e = ::readdir(d)) {
      char* end = nullptr;
      long pid = std::strtol(e->d_name, &end, 10);
      if (pid <= 0 || *end != '\0') continue;
      auto st = read_proc_stat(static_cast<pid_t>(pid));
      if (!st) continue;
      ns_proc p{static_cast<pid_t>(pid), st->ppid, st->state, comm_of(static_cast<pid_t>(pid))};
      if (p.pid == pid1_) first = p;
      by_parent.emplace(p.ppid, p);
    }
    ::closedir(d);
  }
  if (!first) return all;
  all.push_back(*first);
  for (std::size_t i = 0; i < all.size(); ++i) {
    auto [lo, hi] = by_parent.equal_range(all[i].pid);
    for (auto it = lo; it != hi; ++it) all.push_back(it->second);
  }
  return all;
}

run_result container::inside(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  REQUIRE(pid1_ > 0);
  std::vector<std::string> args{"/usr/bin/nsenter", "--target", std::to_string(pid1_), "--pid", "--mount", "--"};
  args.insert(args.end(), argv.begin(), argv.end());
  spawn_options opts;
  opts.env = {"PATH=" + bin() + ":/usr/sbin:/usr/bin:/sbin:/bin", "ASAN_OPTIONS=detect_leaks=0"};
  return test::run(args, opts, timeout);
}

run_result run_with_binds(const std::vector<std::pair<std::string, std::string>>& binds,
                          const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  std::vector<std::string> args{"/usr/bin/unshare", "--mount", "/bin/sh", "-c",
                                "set -e\nwhile [ \"$1\" != -- ]; do mount --bind \"$1\" \"$2\"; shift 2; done\n"
                                "shift\nexec \"$@\"\n",
                                "sh"};
  for (const auto& [src, dst] : binds) {
    args.push_back(src);
    args.push_back(dst);
  }
  args.push_back("--");
  args.insert(args.end(), argv.begin(), argv.end());
  spawn_options opts;
  opts.env = {"ASAN_OPTIONS=detect_leaks=0"};
  return test::run(args, opts, timeout);
}

namespace {

void put(char* field, std::size_t size, const std::string& value) {
  std::memcpy(field, value.data(), std::min(size, value.size()));
}
std::string get(const char* field, std::size_t size) { return std::string(field, ::strnlen(field, size)); }

}  // namespace

std::string utmp_record(const utmp_fields& f) {
  utmp u;
  std::memset(&u, 0, sizeof u);
  u.ut_type = f.type;
  u.ut_pid = f.pid;
  put(u.ut_line, sizeof u.ut_line, f.line);
  put(u.ut_id, sizeof u.ut_id, f.id);
  put(u.ut_user, sizeof u.ut_user, f.user);
  put(u.ut_host, sizeof u.ut_host, f.host);
  u.ut_tv.tv_sec = static_cast<decltype(u.ut_tv.tv_sec)>(f.seconds);
  return std::string(reinterpret_cast<const char*>(&u), sizeof u);
}

std::vector<utmp_fields> utmp_records(std::string_view bytes) {
  std::vector<utmp_fields> out;
  for (std::size_t at = 0; at + sizeof(utmp) <= bytes.size(); at += sizeof(utmp)) {
    utmp u;
    std::memcpy(&u, bytes.data() + at, sizeof u);
    out.push_back({u.ut_type, u.ut_pid, get(u.ut_line, sizeof u.ut_line), get(u.ut_id, sizeof u.ut_id),
                   get(u.ut_user, sizeof u.ut_user), get(u.ut_host, sizeof u.ut_host), u.ut_tv.tv_sec});
  }
  return out;
}

std::string mask_utmp_times(std::string_view bytes) {
  std::string out(bytes);
  for (std::size_t at = 0; at + sizeof(utmp) <= out.size(); at += sizeof(utmp))
    std::memset(out.data() + at + offsetof(utmp, ut_tv), 0, sizeof(utmp::ut_tv));
  return out;
}

std::size_t utmp_size() { return sizeof(utmp); }
std::size_t utmp_line_size() { return sizeof(utmp::ut_line); }

std::string polite_run(const container& c, std::string_view name) {
  std::string m = c.mark(name);
  return "echo run >>" + m + "\necho hello\ntrap 'echo term >>" + m +
         "; echo bye; kill $!; exit 0' TERM\nsleep 1000 &\nwait\n";
}

std::string polite_finish(const container& c, std::string_view name) {
  return "echo finish >>" + c.mark(name) + "\n";
}

void add_polite(const container& c, std::string_view name, bool with_log) {
  std::string dir = c.add_service(name, polite_run(c, name), polite_finish(c, name));
  if (with_log) {
    make_dir(dir + "/log");
    write_script(dir + "/log/run", "exec cat >>" + c.mark(std::string(name) + ".log") + "\n");
  }
}

std::string text(const std::string& path) { return read_file(path).value_or(""); }

void wait_text(const std::string& path, std::string_view expected, std::chrono::milliseconds timeout) {
  wait_until([&] { return text(path) == expected; }, path + " to hold \"" + std::string(expected) + "\"", timeout,
             [&] { return text(path); });
}

void wait_contains(container& c, const std::string& path, std::string_view part, std::chrono::milliseconds timeout) {
  wait_until(
      [&] {
        c.console();
        return text(path).find(part) != std::string::npos;
      },
      path + " to contain \"" + std::string(part) + "\"", timeout, [&] { return text(path) + "\nconsole:\n" + c.console(); });
}

bool in_order(const std::vector<std::string>& lines, const std::vector<std::string>& want) {
  std::size_t i = 0;
  for (const auto& l : lines)
    if (i < want.size() && l == want[i]) ++i;
  return i == want.size();
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

int exit_code_of(container& c, std::chrono::milliseconds timeout) {
  auto st = c.wait_exit(timeout);
  INFO("console:\n" << c.console() << "\noutput:\n" << c.output());
  REQUIRE(st.has_value());
  INFO(st->describe());
  REQUIRE(st->exited());
  return st->exit_code();
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    auto nl = text.find('\n', at);
    if (nl == std::string_view::npos) nl = text.size();
    out.emplace_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  return out;
}

std::string mask_id(std::string_view text) {
  std::string out;
  std::size_t at = 0;
  for (;;) {
    auto id = text.find("$Id: ", at);
    if (id == std::string_view::npos) break;
    auto end = text.find(" $", id + 5);
    if (end == std::string_view::npos) break;
    out.append(text.substr(at, id - at));
    out.append("$Id: HASH $");
    at = end + 2;
  }
  out.append(text.substr(at));
  return out;
}

std::vector<std::string> runit_lines(std::string_view console) {
  std::vector<std::string> out;
  for (auto& l : lines_of(mask_id(console)))
    if (l.rfind("- runit: ", 0) == 0) out.push_back(l);
  return out;
}

}  // namespace test::pid1
