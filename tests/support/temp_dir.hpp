#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

// Temporary directories and small file helpers for tests that work on real
// service directories.

namespace test {

// A fresh directory under /tmp (mkdtemp), removed with everything inside when
// the object goes away, whether the test passed or not.
class temp_dir {
 public:
  explicit temp_dir(std::string_view tag = "runit-test");
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const noexcept { return path_; }
  // path() + "/" + rel.
  std::string operator/(std::string_view rel) const;

 private:
  std::string path_;
};

// Creates or truncates path with exactly this content and mode (umask ignored).
void write_file(const std::string& path, std::string_view content, mode_t mode = 0644);
// Appends content to path (created 0644 if missing).
void append_file(const std::string& path, std::string_view content);
// Writes an executable (0755) sh script: "#!/bin/sh\n" followed by body.
void write_script(const std::string& path, std::string_view body);
// mkdir with exactly this mode; the directory must not exist.
void make_dir(const std::string& path, mode_t mode = 0755);
// The whole file, or nullopt if it cannot be opened (e.g. it does not exist).
std::optional<std::string> read_file(const std::string& path);
// The file split into lines without their "\n" (empty if missing).
std::vector<std::string> read_lines(const std::string& path);
bool exists(const std::string& path);

// A copy of the file at `path` (symlinks followed), mode 0755, in a mode-0755
// directory under /tmp that this test process creates once and removes at
// exit. What a test runs as another user must come from there: the checkout
// (and so the build tree) may sit below a directory only its owner can enter.
// One copy per distinct file; later calls return the same path.
std::string runnable_by_all(const std::string& path);

}  // namespace test
