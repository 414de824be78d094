#pragma once

#include <string>
#include <vector>

// The new program's environment and its execution (runit's pathexec).

namespace chpst {

// Applies changes in order to env, exactly as runit's pathexec_env_run does:
// for each change, the first variable with the change's name (the text
// before its first '=') is removed by moving the last entry into its slot;
// a change containing '=' is then appended. Order is visible to `env`.
std::vector<std::string> apply_env(std::vector<std::string> env, const std::vector<std::string>& changes);

// The files tried for `file`: itself if it contains '/', else each PATH
// element + "/" + file, an empty element meaning ".". path == nullptr means
// "/bin:/usr/bin".
std::vector<std::string> exec_candidates(const std::string& file, const char* path);

// An exec prepared in advance: every string and array is built by the
// constructor, so run() allocates nothing (it runs after the resource limits
// are set, which may leave no memory to allocate).
class prepared_exec {
 public:
  // Looks `file` up in `path` (chpst's own PATH, not the new environment's).
  prepared_exec(const std::string& file, std::vector<std::string> argv, std::vector<std::string> env,
                const char* path);
  // Execs; returns only on failure, with the errno runit reports: the last
  // EACCES/EPERM/EISDIR seen, else the last error; any error other than
  // those and ENOENT stops the search.
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

}  // namespace chpst
