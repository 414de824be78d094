#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>
#include <unordered_map>
#include <vector>

// What runsvdir knows about DIR (spec/runsvdir.md §4): its services, each
// known by the device and inode of its directory, the names in DIR that
// lead to each, and the pid of each runsv. Values only, no system call.
// Every lookup is a hash lookup, so an event costs the same whether DIR
// holds ten services or ten thousand; nothing here has runit's limit of
// 1000 (only memory bounds it).

namespace runsvdir {

struct service_key {
  dev_t dev = 0;
  ino_t ino = 0;
  friend bool operator==(const service_key&, const service_key&) = default;
};

struct service_key_hash {
  std::size_t operator()(const service_key& k) const noexcept {
    return std::hash<ino_t>{}(k.ino) ^ (std::hash<dev_t>{}(k.dev) << 1);
  }
};

struct service_entry {
  pid_t pid = 0;                   // its runsv, 0 if none
  std::vector<std::string> names;  // entries of DIR leading here; the first starts runsv
  bool pending = false;            // not started yet: waiting until it is complete
};

class service_table {
 public:
  service_entry* find(const service_key& key);
  // The entry for `key`, made (with no name, no pid) if new. May throw
  // std::bad_alloc.
  service_entry& add(const service_key& key);
  void erase(const service_key& key);
  std::size_t size() const noexcept { return entries_.size(); }

  // The service `name` leads to, if it is one.
  std::optional<service_key> key_of(const std::string& name) const;
  // Makes `name` lead to `key` (whose entry must exist); a name that led
  // elsewhere is unlinked first and that key returned if it has no name left.
  std::optional<service_key> link(const std::string& name, const service_key& key);
  // Forgets `name`; returns its key if that service has no name left.
  std::optional<service_key> unlink(const std::string& name);
  // Forgets every name (a full scan links them again).
  void clear_names();

  void set_pid(const service_key& key, pid_t pid);
  // The service whose runsv `pid` was, its pid reset to 0; nullopt if none.
  std::optional<service_key> take_pid(pid_t pid);
  // Forgets the pid of the entry's runsv (it is no longer waited for).
  void drop_pid(const service_key& key);

  template <class F>
  void for_each(F&& f) {
    for (auto& [key, entry] : entries_) f(key, entry);
  }

 private:
  std::unordered_map<service_key, service_entry, service_key_hash> entries_;
  std::unordered_map<std::string, service_key> names_;
  std::unordered_map<pid_t, service_key> pids_;
};

}  // namespace runsvdir
