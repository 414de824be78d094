#pragma once

// Where the tests find our programs. RUNSV_BIN and the others name the
// binaries this tree built, unless RUNIT_TEST_BINDIR is set: then they name
// RUNIT_TEST_BINDIR/PROG, so that the whole suite can run against another
// build of the same sources (CI runs it again on the multi-call build's
// links, whose program is chosen by the name it is run under).

namespace test {

// BUILT, or $RUNIT_TEST_BINDIR/NAME when that is set. Aborts with a message
// if the directory is set but holds no executable NAME: a suite that quietly
// ran against the wrong binaries would prove nothing.
const char* program(const char* name, const char* built);

}  // namespace test

#define RUNSV_BIN (::test::program("runsv", RUNIT_BUILT_RUNSV))
#define SV_BIN (::test::program("sv", RUNIT_BUILT_SV))
#define RUNSVDIR_BIN (::test::program("runsvdir", RUNIT_BUILT_RUNSVDIR))
#define RUNSVCHDIR_BIN (::test::program("runsvchdir", RUNIT_BUILT_RUNSVCHDIR))
#define CHPST_BIN (::test::program("chpst", RUNIT_BUILT_CHPST))
#define SVLOGD_BIN (::test::program("svlogd", RUNIT_BUILT_SVLOGD))
#define RUNIT_BIN (::test::program("runit", RUNIT_BUILT_RUNIT))
#define RUNIT_INIT_BIN (::test::program("runit-init", RUNIT_BUILT_RUNIT_INIT))
#define UTMPSET_BIN (::test::program("utmpset", RUNIT_BUILT_UTMPSET))
