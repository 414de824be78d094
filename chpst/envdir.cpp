#include "envdir.hpp"

#include <cerrno>
#include <cstddef>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <unistd.h>

#include "chpst.hpp"
#include "supervise/fatal.hpp"
#include "supervise/fd.hpp"

namespace chpst {

namespace {

[[noreturn]] void die(const std::string& msg, int err) {
  throw supervise::fatal_error{exit_fatal, msg, err};
}

// runit's openreadclose: O_RDONLY|O_NONBLOCK, read to EOF. nullopt with
// errno on failure (EISDIR comes from read() on a directory).
std::optional<std::string> read_entry(const char* name) {
  return supervise::read_file(name, O_RDONLY | O_NONBLOCK);
}

struct dir_closer {
  void operator()(DIR* d) const noexcept { ::closedir(d); }
};

}  // namespace

std::optional<std::string> env_value(std::string_view content) {
  if (content.empty()) return std::nullopt;
  std::string value(content.substr(0, content.find('\n')));
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
  for (char& c : value)
    if (c == '\0') c = '\n';
  return value;
}

std::vector<std::string> read_envdir(const std::string& dir, subdir_policy subdirs) {
  supervise::fd start = supervise::open_fd(".", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (!start) die("unable to open current working directory", errno);
  if (::chdir(dir.c_str()) == -1) die("unable to switch to directory: " + dir, errno);
  // A failure below ends chpst; the starting directory is restored anyway
  // so that a caller that goes on (envdir's tests, say) is not left here.
  struct back_to_start {
    int fd;
    bool armed = true;
    ~back_to_start() {
      if (armed) (void)!::fchdir(fd);
    }
  } guard{start.get()};
  std::unique_ptr<DIR, dir_closer> d(::opendir("."));
  if (!d) die("unable to open directory: " + dir, errno);
  std::vector<std::string> changes;
  for (;;) {
    errno = 0;
    const struct dirent* e = ::readdir(d.get());
    if (e == nullptr) {
      if (errno != 0) die("unable to read directory: " + dir, errno);
      break;
    }
    std::string name = e->d_name;
    if (name[0] == '.') continue;
    auto content = read_entry(e->d_name);
    if (!content) {
      int err = errno;
      if (err == ENOENT) continue;
      // runit prints "unable to read DIR/NAME" without ": " after "read".
      std::string what = "unable to read " + dir + "/" + name;
      if (err == EISDIR && subdirs != subdir_policy::fatal) {
        if (subdirs == subdir_policy::skip_with_warning) supervise::warn("chpst", what, err);
        continue;
      }
      die(what, err);
    }
    auto value = env_value(*content);
    changes.push_back(value ? name + "=" + *value : name);
  }
  d.reset();
  guard.armed = false;
  if (::fchdir(start.get()) == -1) die("unable to switch to starting directory", errno);
  return changes;
}

}  // namespace chpst
