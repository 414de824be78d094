#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Environment directories (spec/chpst.md §5): one variable per file.

namespace chpst {

// The value runit derives from a file's content: nullopt (remove the
// variable) for an empty file; otherwise the first line, trailing spaces and
// tabs removed, NUL bytes turned into newlines.
std::optional<std::string> env_value(std::string_view content);

// How a subdirectory entry is treated: chpst -e skips it (with a warning
// under -v); the envdir personality stops.
enum class subdir_policy { skip, skip_with_warning, fatal };

// Reads dir in readdir order, skipping names that start with '.', and
// returns the changes for apply_env ("NAME=value", or "NAME" to remove).
// Returns to the starting directory afterwards. Throws fatal_error(111)
// with runit's messages. A file that vanishes (ENOENT, e.g. a dangling
// symlink) is skipped; runit would reuse the previous file's value.
std::vector<std::string> read_envdir(const std::string& dir, subdir_policy subdirs);

}  // namespace chpst
