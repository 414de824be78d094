// svlogd's config file parser (spec/svlogd.md §4, §10.1).

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <string>
#include <vector>

#include "config.hpp"

using svlogd::config;
using svlogd::parse_config;

namespace {

struct parsed {
  config c;
  std::vector<std::string> warnings;
};

parsed parse(std::string_view text) {
  parsed p;
  parse_config(text, p.c, p.warnings);
  return p;
}

std::string ip(const config& c) {
  char buf[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &c.udp.sin_addr, buf, sizeof buf);
  return std::string(buf) + ":" + std::to_string(ntohs(c.udp.sin_port));
}

}  // namespace

TEST_CASE("config: defaults", "[svlogd-config]") {
  auto p = parse("");
  CHECK(p.c.size == 1000000);
  CHECK(p.c.num == 10);
  CHECK(p.c.min == 10);
  CHECK(p.c.timeout == 0);
  CHECK(p.c.processor.empty());
  CHECK(p.c.udp.sin_port == 0);
  CHECK_FALSE(p.c.udp_only);
  CHECK(p.c.prefix.empty());
  CHECK(p.c.rules.empty());
  CHECK(p.warnings.empty());
}

TEST_CASE("config: numbers and their units", "[svlogd-config]") {
  struct row {
    const char* text;
    unsigned long size, num, min, timeout;
  };
  const row rows[] = {
      {"s100\n", 100, 10, 10, 0},
      {"s2k\n", 2048, 10, 10, 0},
      {"s3m\n", 3 * 1048576UL, 10, 10, 0},
      {"s5x\n", 5, 10, 10, 0},         // other byte after the digits: ignored
      {"s 100\n", 0, 10, 10, 0},       // no whitespace skipping: s0
      {"s\n", 0, 10, 10, 0},
      {"n3\nN1\n", 1000000, 3, 1, 0},
      {"n0\n", 1000000, 0, 10, 0},
      {"t2\n", 1000000, 10, 10, 2},
      {"t2m\n", 1000000, 10, 10, 120},
      {"t1h\n", 1000000, 10, 10, 3600},
      {"t1d\n", 1000000, 10, 10, 1},   // no 'd' unit
      {"s1\ns2\n", 2, 10, 10, 0},      // later lines override
      {"n5\nn", 1000000, 5, 10, 0},    // a last unterminated 1-byte line is dropped
      {"n5\nn7", 1000000, 7, 10, 0},   // 2 bytes are used
      {"n5\r\n", 1000000, 5, 10, 0},   // '\r' is just a byte after the digits
  };
  for (const auto& r : rows) {
    INFO("config [" << r.text << "]");
    auto p = parse(r.text);
    CHECK(p.c.size == r.size);
    CHECK(p.c.num == r.num);
    CHECK(p.c.min == r.min);
    CHECK(p.c.timeout == r.timeout);
  }
}

TEST_CASE("config: a number wraps as an unsigned long", "[svlogd-config]") {
  auto p = parse("n18446744073709551617\n");  // 2^64 + 1
  CHECK(p.c.num == 1);
}

TEST_CASE("config: processor and prefix take the rest of the line", "[svlogd-config]") {
  auto p = parse("!tr a-z A-Z\npPRE: \n");
  CHECK(p.c.processor == "tr a-z A-Z");
  CHECK(p.c.prefix == "PRE: ");
  // A bare '!' or 'p' does not clear an earlier value.
  p = parse("!gzip\n!\npx\np\n");
  CHECK(p.c.processor == "gzip");
  CHECK(p.c.prefix == "x");
}

TEST_CASE("config: pattern lines add up in order, comments and unknown letters are ignored",
          "[svlogd-config]") {
  auto p = parse("# comment\n-*\n\n+a*\nxjunk\ne*x\nE*xx\n+\n");
  REQUIRE(p.c.rules.size() == 5);
  CHECK(p.c.rules[0].op == '-');
  CHECK(p.c.rules[0].pattern == "*");
  CHECK(p.c.rules[1].op == '+');
  CHECK(p.c.rules[1].pattern == "a*");
  CHECK(p.c.rules[2].op == 'e');
  CHECK(p.c.rules[3].op == 'E');
  CHECK(p.c.rules[3].pattern == "*xx");
  CHECK(p.c.rules[4].op == '+');
  CHECK(p.c.rules[4].pattern.empty());
  CHECK(p.warnings.empty());
}

TEST_CASE("config: pattern values are not trimmed", "[svlogd-config]") {
  auto p = parse("+a \r\n");
  REQUIRE(p.c.rules.size() == 1);
  CHECK(p.c.rules[0].pattern == "a \r");
}

TEST_CASE("config: UDP addresses", "[svlogd-config]") {
  auto p = parse("u127.0.0.1:5514\n");
  CHECK(ip(p.c) == "127.0.0.1:5514");
  CHECK_FALSE(p.c.udp_only);
  p = parse("u10.1.2.3\n");
  CHECK(ip(p.c) == "10.1.2.3:514");
  p = parse("u10.1.2.3garbage\n");
  CHECK(ip(p.c) == "10.1.2.3:514");
  p = parse("u300.1.2.3:9\n");  // low 8 bits of each part
  CHECK(ip(p.c) == "44.1.2.3:9");
  p = parse("U127.0.0.1:7\n");
  CHECK(p.c.udp_only);
  CHECK(ip(p.c) == "127.0.0.1:7");
  CHECK(p.warnings.empty());
}

TEST_CASE("config: UDP warnings (§16.12)", "[svlogd-config]") {
  auto p = parse("U127.0.0.1:0\nu1.2.3\nu127.0.0.1:x\n");
  CHECK(p.warnings == std::vector<std::string>{"unable to scan port number: 0", "unable to scan ip address: 1.2.3",
                                               "unable to scan port number: x"});
  // U turned UDP-only on before its address failed; no target was set.
  CHECK(p.c.udp_only);
  CHECK(p.c.udp.sin_port == 0);
  p = parse("u1..2.3\nu\n");
  CHECK(p.warnings == std::vector<std::string>{"unable to scan ip address: 1..2.3", "unable to scan ip address: "});
}
