#pragma once

#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>

// Where user and group names come from. A dynamic build asks the system
// (getpwnam/getgrnam, so NSS decides); a static build reads /etc/passwd and
// /etc/group itself, because a static glibc cannot load NSS modules.

namespace chpst {

struct user_ids {
  uid_t uid = 0;
  gid_t gid = 0;  // the primary group from the passwd entry
};

// A lookup answer: a value, or none with err == 0 (no such name) or with the
// errno of a failed lookup.
template <class T>
struct lookup {
  std::optional<T> value;
  int err = 0;
};

class accounts {
 public:
  virtual ~accounts() = default;
  virtual lookup<user_ids> user(const std::string& name) = 0;
  virtual lookup<gid_t> group(const std::string& name) = 0;
};

#ifndef CHPST_FILE_ACCOUNTS
// getpwnam / getgrnam with errno cleared first. Not in a static build: a
// static glibc would need the NSS modules of its own version at run time.
class system_accounts final : public accounts {
 public:
  lookup<user_ids> user(const std::string& name) override;
  lookup<gid_t> group(const std::string& name) override;
};
#endif

// Reads the files on every lookup (after -/ they are the new root's). An
// unreadable file is a failed lookup with open's errno, as glibc reports it.
class file_accounts final : public accounts {
 public:
  explicit file_accounts(std::string passwd = "/etc/passwd", std::string group = "/etc/group");
  lookup<user_ids> user(const std::string& name) override;
  lookup<gid_t> group(const std::string& name) override;

 private:
  std::string passwd_;
  std::string group_;
};

// system_accounts in a dynamic build, file_accounts in a static one.
std::unique_ptr<accounts> default_accounts();

}  // namespace chpst
