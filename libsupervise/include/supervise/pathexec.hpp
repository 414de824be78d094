#pragma once

#include <string>
#include <vector>

// runit's pathexec: the environment changes chpst and envdir make, and the
// PATH search every program uses (chpst's exec, runsvdir's runsv, spawn).

namespace supervise {

// Applies changes in order to env, exactly as runit's pathexec_env_run does:
// for each change, the first variable with the change's name (the text
// before its first '=') is removed by moving the last entry into its slot;
// a change containing '=' is then appended. Order is visible to `env`.
std::vector<std::string> apply_env(std::vector<std::string> env, const std::vector<std::string>& changes);

// The files tried for `file`: itself if it contains '/', else each PATH
// element + "/" + file, an empty element meaning ".". path == nullptr means
// "/bin:/usr/bin".
std::vector<std::string> exec_candidates(const std::string& file, const char* path);

// Tries execve on each candidate in turn with runit's rules and returns only
// on failure, with the errno runit reports: ENOENT moves on; EACCES, EPERM
// and EISDIR are remembered and move on; any other error stops the search.
// At the end the last remembered error, else the last one. Allocates
// nothing: safe between fork and exec.
int exec_search(const std::vector<std::string>& candidates, char* const* argv,
                char* const* envp) noexcept;

// An exec prepared in advance: every string and array is built by the
// constructor, so run() allocates nothing (it runs after the resource limits
// are set, which may leave no memory to allocate).
class prepared_exec {
 public:
  // Looks `file` up in `path` (the caller's PATH, not the new environment's).
  prepared_exec(const std::string& file, std::vector<std::string> argv, std::vector<std::string> env,
                const char* path);
  // exec_search; returns only on failure, with its errno.
  int run() const noexcept;

 private:
  std::vector<std::string> candidates_, argv_, env_;
  std::vector<char*> c_argv_, c_env_;
};

// prepared_exec(...).run() in one step.
int exec_program(const std::string& file, const std::vector<std::string>& argv,
                 const std::vector<std::string>& env, const char* path);

// The current process's environment as strings.
std::vector<std::string> current_environment();

}  // namespace supervise
