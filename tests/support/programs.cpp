#include "programs.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <unistd.h>

namespace test {

const char* program(const char* name, const char* built) {
  const char* dir = std::getenv("RUNIT_TEST_BINDIR");
  if (dir == nullptr || *dir == '\0') return built;
  static std::mutex lock;
  static std::map<std::string, std::string> paths;  // node-based: c_str() stays valid
  std::lock_guard<std::mutex> hold(lock);
  auto [it, added] = paths.try_emplace(name, std::string(dir) + "/" + name);
  if (added && ::access(it->second.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "RUNIT_TEST_BINDIR=%s holds no executable %s\n", dir, name);
    std::abort();
  }
  return it->second.c_str();
}

}  // namespace test
