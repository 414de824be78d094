#include "supervise/pathexec.hpp"

#include <cerrno>
#include <string_view>
#include <utility>
#include <unistd.h>

extern char** environ;

namespace supervise {

std::vector<std::string> apply_env(std::vector<std::string> env, const std::vector<std::string>& changes) {
  for (const std::string& change : changes) {
    std::string_view name = std::string_view(change).substr(0, change.find('='));
    for (std::size_t t = 0; t < env.size(); ++t) {
      std::string_view entry = env[t];
      if (entry.size() > name.size() && entry.substr(0, name.size()) == name && entry[name.size()] == '=') {
        env[t] = std::move(env.back());
        env.pop_back();
        break;
      }
    }
    if (change.find('=') != std::string::npos) env.push_back(change);
  }
  return env;
}

std::vector<std::string> exec_candidates(const std::string& file, const char* path) {
  if (file.find('/') != std::string::npos) return {file};
  std::string_view rest = path != nullptr ? path : "/bin:/usr/bin";
  std::vector<std::string> out;
  for (;;) {
    auto colon = rest.find(':');
    std::string_view dir = rest.substr(0, colon);
    out.push_back((dir.empty() ? std::string(".") : std::string(dir)) + "/" + file);
    if (colon == std::string_view::npos) return out;
    rest.remove_prefix(colon + 1);
  }
}

prepared_exec::prepared_exec(const std::string& file, std::vector<std::string> argv,
                             std::vector<std::string> env, const char* path)
    : candidates_(exec_candidates(file, path)), argv_(std::move(argv)), env_(std::move(env)) {
  for (auto& a : argv_) c_argv_.push_back(a.data());
  c_argv_.push_back(nullptr);
  for (auto& e : env_) c_env_.push_back(e.data());
  c_env_.push_back(nullptr);
}

int exec_search(const std::vector<std::string>& candidates, char* const* argv,
                char* const* envp) noexcept {
  int saved = 0;
  int last = ENOENT;
  for (const std::string& candidate : candidates) {
    ::execve(candidate.c_str(), argv, envp);
    last = errno;
    if (last == ENOENT) continue;
    saved = last;
    if (last != EACCES && last != EPERM && last != EISDIR) return last;
  }
  return saved != 0 ? saved : last;
}

int prepared_exec::run() const noexcept {
  return exec_search(candidates_, c_argv_.data(), c_env_.data());
}

int exec_program(const std::string& file, const std::vector<std::string>& argv,
                 const std::vector<std::string>& env, const char* path) {
  return prepared_exec(file, argv, env, path).run();
}

std::vector<std::string> current_environment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) env.emplace_back(*e);
  return env;
}

}  // namespace supervise
