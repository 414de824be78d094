#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

// /etc/passwd and /etc/group read directly, the way glibc's "files" NSS
// backend reads them: what a static chpst uses, so that a minimal image
// without NSS modules still resolves names.

namespace chpst {

struct passwd_entry {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

struct group_entry {
  std::string name;
  gid_t gid = 0;
};

// One line of passwd(5): "name:password:uid:gid[:...]". nullopt for blank
// lines, '#' comments, and lines whose ids are not decimal numbers.
std::optional<passwd_entry> parse_passwd_line(std::string_view line);
// One line of group(5): "name:password:gid[:members]".
std::optional<group_entry> parse_group_line(std::string_view line);

// The first entry named `name` in the text of a passwd / group file.
std::optional<passwd_entry> find_passwd(std::string_view content, std::string_view name);
std::optional<group_entry> find_group(std::string_view content, std::string_view name);

// The whole file at path; nullopt with errno set when it cannot be read.
std::optional<std::string> slurp(const char* path);

}  // namespace chpst
