#include <catch2/catch.hpp>

#include "limits.hpp"

TEST_CASE("limits: -m sets data, stack, memlock and address space", "[chpst-limits]") {
  chpst::limits l;
  l.set_memory(5);
  using chpst::resource;
  CHECK(l[resource::data] == 5);
  CHECK(l[resource::stack] == 5);
  CHECK(l[resource::memlock] == 5);
  CHECK(l[resource::as] == 5);
  CHECK_FALSE(l[resource::nofile]);
}
