#include "image_support.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

#include "runsvdir_support.hpp"

namespace fs = std::filesystem;

namespace test::minimal {

namespace {

constexpr const char* busybox = "/bin/busybox";
constexpr const char* image_path = "PATH=/usr/bin:/usr/sbin:/bin:/sbin";
constexpr const char* image_svdir = "SVDIR=/etc/service";

// Run by the host's sh as PID 1 of the new namespace, in its own mount
// namespace: $0 root, $1 hardened (0/1), $2 the host directory for /var/log,
// then PID 1's command line inside the root.
constexpr const char* setup_script = R"(set -e
root=$0
if [ "$1" = 1 ]; then
  mount --bind "$root" "$root"
  mount -o remount,bind,ro "$root"
fi
mount -t proc proc "$root/proc"
for d in null zero urandom; do mount --bind "/dev/$d" "$root/dev/$d"; done
if [ "$1" = 1 ]; then
  mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$root/run"
  mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/tmp"
  mount --bind "$2" "$root/var/log"
fi
shift 2
exec /usr/bin/env -i PATH=/usr/bin:/usr/sbin:/bin:/sbin SVDIR=/etc/service /usr/sbin/chroot "$root" "$@"
)";

// Names our binaries take; busybox applets of the same name are left out.
const std::set<std::string> ours = {"runit",    "runit-init", "runsv",     "runsvdir", "sv",
                                    "svlogd",   "chpst",      "runsvchdir", "utmpset", "envdir",
                                    "envuidgid", "pgrphack",  "setlock",   "setuidgid", "softlimit"};

// This serves only the static tree (STATIC_BINDIR).
[[maybe_unused]] void copy_file(const std::string& from, const std::string& to, mode_t mode) {
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  INFO("copy " << from << " to " << to);
  REQUIRE(!ec);
  REQUIRE(::chmod(to.c_str(), mode) == 0);
}

void link(const std::string& target, const std::string& path) {
  INFO("symlink " << path << " -> " << target);
  REQUIRE(::symlink(target.c_str(), path.c_str()) == 0);
}

std::string comm_of(pid_t pid) {
  auto text = read_file("/proc/" + std::to_string(pid) + "/comm");
  if (!text) return {};
  if (!text->empty() && text->back() == '\n') text->pop_back();
  return *text;
}

}  // namespace

std::optional<elf_facts> elf_of(const std::string& path) {
  // Only the headers are read: the file header, then the program headers.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd == -1) return std::nullopt;
  auto read_at = [fd](void* buf, std::size_t n, off_t at) {
    return ::pread(fd, buf, n, at) == static_cast<ssize_t>(n);
  };
  std::optional<elf_facts> out;
  unsigned char ident[EI_NIDENT];
  if (read_at(ident, sizeof ident, 0) && std::memcmp(ident, ELFMAG, SELFMAG) == 0) {
    elf_facts f;
    Elf64_Ehdr eh;
    if (ident[EI_CLASS] == ELFCLASS64 && read_at(&eh, sizeof eh, 0)) {
      f.elf64 = true;
      for (unsigned i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph;
        if (!read_at(&ph, sizeof ph, static_cast<off_t>(eh.e_phoff + std::size_t(i) * eh.e_phentsize))) break;
        if (ph.p_type == PT_INTERP) f.interp = true;
        if (ph.p_type == PT_DYNAMIC) f.dynamic = true;
      }
    }
    out = f;
  }
  ::close(fd);
  return out;
}

std::vector<std::string> dynamic_leftovers(const std::string& root) {
  static const std::regex library_name(R"(^(ld-linux.*|ld-musl.*|ld\.so.*|libc[.-].*|.*\.so(\.[0-9.]+)?)$)");
  std::vector<std::string> found;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    const std::string path = it->path().string();
    const std::string name = it->path().filename().string();
    if (std::regex_match(name, library_name)) found.push_back(path + ": named like a shared library or loader");
    if (!it->is_regular_file() || it->is_symlink()) continue;
    auto elf = elf_of(path);
    if (!elf) continue;
    if (!elf->elf64) found.push_back(path + ": not a 64-bit ELF file");
    if (elf->interp) found.push_back(path + ": has PT_INTERP (needs a dynamic loader)");
    if (elf->dynamic) found.push_back(path + ": has PT_DYNAMIC (links shared libraries)");
  }
  return found;
}

image::image(bool hardened) : hardened_(hardened), dir_(hardened ? "image-ro-test" : "image-test") { build_root(); }

image::~image() {
  kill();
  if (console_fd_ != -1) ::close(console_fd_);
}

std::string image::logs() const { return hardened_ ? dir_ / "varlog" : root() + "/var/log"; }

void populate_root(const std::string& r) {
#ifndef STATIC_BINDIR
  (void)r;
  FAIL("the minimal image needs the static tree: configure with -DRUNIT_CHECK_STATIC=ON");
#else
  if (!exists(busybox)) FAIL("the minimal image needs busybox-static's /bin/busybox: apt-get install busybox-static");
  auto bb = elf_of(busybox);
  REQUIRE(bb);
  if (bb->interp || bb->dynamic) FAIL(busybox << " is not static: install busybox-static, not busybox");

  make_dir(r);
  for (const char* d : {"bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "dev", "proc", "run", "var", "var/log"})
    make_dir(r + "/" + d);
  make_dir(r + "/tmp", 01777);

  // busybox and its applets.
  copy_file(busybox, r + "/bin/busybox", 0755);
  auto list = test::run({busybox, "--list"});
  REQUIRE(list.status.exit_code() == 0);
  std::size_t applets = 0;
  for (const auto& name : lines_of(list.out)) {
    if (name.empty() || name == "busybox" || ours.count(name) || name.find('/') != std::string::npos) continue;
    link("busybox", r + "/bin/" + name);
    ++applets;
  }
  REQUIRE(applets > 100);
  REQUIRE(exists(r + "/bin/sh"));

  // Our multi-call static binary, linked under runit's names in Debian's places.
  const std::string s = STATIC_BINDIR;
  copy_file(s + "/multicall/runit-multi", r + "/sbin/runit-multi", 0755);
  for (const char* p : {"runit", "runit-init"}) link("runit-multi", r + "/sbin/" + p);
  for (const char* p : {"runsv", "runsvdir", "sv", "svlogd", "chpst"}) link("/sbin/runit-multi", r + "/usr/bin/" + p);
  for (const char* p : {"runsvchdir", "utmpset"}) link("/sbin/runit-multi", r + "/usr/sbin/" + p);
  for (const char* p : {"envdir", "envuidgid", "pgrphack", "setlock", "setuidgid", "softlimit"})
    link("chpst", r + "/usr/bin/" + p);

  // Accounts (as Debian's base-passwd has them) and the runit configuration.
  write_file(r + "/etc/passwd",
             "root:x:0:0:root:/root:/bin/sh\n"
             "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
  write_file(r + "/etc/group", "root:x:0:\nnogroup:x:65534:\n");
  const std::string examples = std::string(TEST_SOURCE_DIR) + "/../examples/image/etc";
  std::error_code ec;
  fs::copy(examples, r + "/etc", fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
  INFO("copy " << examples);
  REQUIRE(!ec);
  REQUIRE(exists(r + "/etc/runit/1"));
#endif
}

void link_supervise_into_run(const std::string& r) {
  for (const auto& e : fs::directory_iterator(r + "/etc/service")) {
    const std::string name = e.path().filename().string();
    link("/run/sv/" + name, e.path().string() + "/supervise");
    if (fs::is_directory(e.path() / "log")) link("/run/sv/" + name + ".log", e.path().string() + "/log/supervise");
  }
}

void image::build_root() {
  const std::string r = root();
  populate_root(r);
  if (hardened_) {
    make_dir(logs());
    link_supervise_into_run(r);
  }

  // /dev: mount points for the binds, and the console.
  for (const char* d : {"null", "zero", "urandom"}) write_file(r + "/dev/" + d, "", 0644);
  REQUIRE(::mkfifo((r + "/dev/console").c_str(), 0600) == 0);
  // Opened before PID 1 exists, so its opens for writing never block.
  console_fd_ = ::open((r + "/dev/console").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  REQUIRE(console_fd_ != -1);
}

void image::start(std::vector<std::string> argv) {
  REQUIRE(!unshare_);
  REQUIRE(!argv.empty());
  const std::string comm = argv[0].substr(argv[0].rfind('/') + 1);
  // setpriv: unshare gets KILL when the test dies (even by SIGKILL, e.g. a
  // ctest timeout), and --kill-child then takes PID 1 and the namespace.
  std::vector<std::string> args{"/usr/bin/setpriv", "--pdeathsig", "KILL",   "/usr/bin/unshare", "--pid",
                                "--fork",           "--mount-proc", "--kill-child", "/bin/sh",   "-c",
                                setup_script,       root(),         hardened_ ? "1" : "0", logs()};
  args.insert(args.end(), argv.begin(), argv.end());
  spawn_options opts;
  opts.new_session = true;
  unshare_.emplace(args, opts);
  // PID 1 is unshare's child: sh, then env, chroot, and finally argv[0].
  wait_until(
      [&] {
        if (unshare_->poll_exit()) return true;
        if (pid1_ <= 0) {
          auto kids = children_of(unshare_->pid());
          if (kids.empty()) return false;
          pid1_ = kids.front();
        }
        return comm_of(pid1_) == comm;
      },
      "PID 1 to exec " + argv[0], long_timeout, [&] { return output(); });
  INFO(output());
  REQUIRE(!unshare_->status());
}

void image::signal(int sig) const noexcept {
  if (pid1_ > 0 && unshare_ && !unshare_->status()) ::kill(pid1_, sig);
}

std::optional<wait_status> image::wait_exit(std::chrono::milliseconds timeout) {
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

void image::drain_console() {
  if (console_fd_ == -1) return;
  read_available(console_fd_, console_);
}

const std::string& image::console() {
  drain_console();
  return console_;
}

void image::wait_console(std::string_view text, std::chrono::milliseconds timeout) {
  wait_until([&] { return console().find(text) != std::string::npos; }, "console to show \"" + std::string(text) + "\"",
             timeout, [&] { return "console:\n" + console_ + "\noutput:\n" + output(); });
}

std::string image::output() {
  if (!unshare_) return {};
  return unshare_->out() + unshare_->err();
}

run_result image::probe(const std::string& script, std::chrono::milliseconds timeout) {
  REQUIRE(pid1_ > 0);
  drain_console();  // the FIFO must never fill up
  std::vector<std::string> args{"/usr/bin/nsenter", "--target", std::to_string(pid1_), "--pid", "--mount",
                                "--root",           "--wd",     "/bin/env",          "-i",    image_path,
                                image_svdir,        "/bin/sh",  "-c",                script};
  auto r = test::run(args, {}, timeout);
  drain_console();
  return r;
}

std::vector<ns_proc> image::processes() const {
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

void image::kill() noexcept {
  if (unshare_ && !unshare_->poll_exit()) {
    if (pid1_ > 0) ::kill(pid1_, SIGKILL);  // ends every process of the namespace
    if (!unshare_->wait_exit(5s)) kill_tree(unshare_->pid());
    unshare_->wait_exit(5s);
  }
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

}  // namespace test::minimal
