// A new service is started once it is complete (man/runsvdir.8, WATCHING
// THE DIRECTORY): services made in place, step by step, each start exactly
// once and without an error line; one that never gets a run is reported
// once and started by the next full scan.

#include <catch2/catch.hpp>

#include <csignal>
#include <fcntl.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include "runsvdir_support.hpp"
#include "service.hpp"

using namespace test;

namespace {

// A run script that counts its starts in ./starts, then sleeps.
const std::string counting_run = "echo started >> starts\nexec sleep 1000\n";

// Waits until runsvdir has seen the new directory `svdir`: it watches it,
// or (runit's way) it has started a runsv there that has already said
// something (that it could not start ./run).
void wait_seen(runsvdir_instance& rd, const std::string& svdir, const std::string& name) {
  wait_until(
      [&] {
        rd.proc().drain();
        return inotify_watches(rd.pid(), svdir) ||
               rd.proc().err().find("runsv " + name + ": ") != std::string::npos;
      },
      "runsvdir to see " + name, default_timeout, [&] { return "stderr: " + rd.proc().err(); });
}

// The service `name` runs, has started once, and runsvdir's stderr (where
// every runsv writes too) holds nothing.
void check_started_once(runsvdir_instance& rd, const runsvdir_tree& tree, const std::string& name) {
  rd.wait_runsv(name);
  wait_stat(tree.svc(name), "run\n", 10s);
  wait_until([&] { return read_file(tree.svc(name) + "/starts").value_or("").ends_with("\n"); },
             name + "/run to count its start");
  rd.barrier(tree, "barrier-" + name);
  CHECK(rd.runsv_for(name).size() == 1);
  CHECK(read_file(tree.svc(name) + "/starts") == "started\n");
  CHECK(rd.proc().err().empty());
}

}  // namespace

TEST_CASE("a service made with mkdir and its run written a moment later starts once, without an error",
          "[runsvdir][pickup]") {
  runsvdir_tree tree(runsv_under_test());
  runsvdir_instance rd(tree, {tree.service()});
  rd.barrier(tree, "first");
  make_dir(tree.svc("b"));
  wait_seen(rd, tree.svc("b"), "b");
  write_script(tree.svc("b") + "/run", counting_run);
  check_started_once(rd, tree, "b");
}

TEST_CASE("a service copied in with cp -r starts once, with its log service, without an error",
          "[runsvdir][pickup]") {
  runsvdir_tree tree(runsv_under_test());
  runsvdir_instance rd(tree, {tree.service()});
  rd.barrier(tree, "first");
  // The run to copy is a FIFO, which cp --copy-contents reads as a file:
  // cp has made web/ (and maybe log/) and waits for the run script, as a
  // cp from a slow disk would, until the test writes it.
  std::string staged = tree.stage() + "/web";
  make_dir(staged);
  REQUIRE(::mkfifo((staged + "/run").c_str(), 0755) == 0);
  REQUIRE(::chmod((staged + "/run").c_str(), 0755) == 0);
  make_dir(staged + "/log");
  write_script(staged + "/log/run", "exec cat > /dev/null\n");
  process cp({"/bin/cp", "-r", "--copy-contents", staged, tree.svc("web")});
  wait_seen(rd, tree.svc("web"), "web");
  int fd = -1;
  wait_until(
      [&] {
        fd = ::open((staged + "/run").c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        return fd >= 0;
      },
      "cp to read run");
  const std::string script = "#!/bin/sh\n" + counting_run;
  CHECK(::write(fd, script.data(), script.size()) == static_cast<ssize_t>(script.size()));
  ::close(fd);
  auto st = cp.wait_exit(10s);
  REQUIRE(st);
  REQUIRE(st->exit_code() == 0);
  check_started_once(rd, tree, "web");
  wait_stat(tree.svc("web") + "/log", "run\n");
}

TEST_CASE("a run written slowly in several writes is started once it is closed", "[runsvdir][pickup]") {
  runsvdir_tree tree(runsv_under_test());
  runsvdir_instance rd(tree, {tree.service()});
  rd.barrier(tree, "first");
  make_dir(tree.svc("slow"));
  wait_seen(rd, tree.svc("slow"), "slow");
  int fd = ::open((tree.svc("slow") + "/run").c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
  REQUIRE(fd >= 0);
  // The pauses are the scenario, not a wait: a writer that stops for longer
  // than runsvdir's settle time (100 ms) leaves an executable, non-empty,
  // quiet run that is still open for writing.
  for (std::string part : {"#!/bin/sh\n", "echo started >> starts\n", "exec sleep 1000\n"}) {
    REQUIRE(::write(fd, part.data(), part.size()) == static_cast<ssize_t>(part.size()));
    std::this_thread::sleep_for(250ms);
  }
  CHECK(rd.runsv_for("slow").empty());
  ::close(fd);
  check_started_once(rd, tree, "slow");
}

TEST_CASE("a service whose log directory has no run yet waits for log/run", "[runsvdir][pickup]") {
  runsvdir_tree tree(runsv_under_test());
  runsvdir_instance rd(tree, {tree.service()});
  rd.barrier(tree, "first");
  std::string staged = tree.stage_service("logged", counting_run);
  make_dir(staged + "/log");
  REQUIRE(::rename(staged.c_str(), tree.svc("logged").c_str()) == 0);
  const std::string waiting =
      "runsvdir " + tree.service() + ": warning: waiting for logged/log/run: file does not exist\n";
  wait_until([&] { return rd.proc().err() == waiting; }, "the waiting line", default_timeout,
             [&] { return "stderr: " + rd.proc().err(); });
  CHECK(rd.runsv_for("logged").empty());
  write_script(tree.svc("logged") + "/log/run.new", "exec cat > /dev/null\n");
  const std::string log_run = tree.svc("logged") + "/log/run";
  REQUIRE(::rename((log_run + ".new").c_str(), log_run.c_str()) == 0);
  rd.wait_runsv("logged");
  wait_stat(tree.svc("logged"), "run\n");
  wait_stat(tree.svc("logged") + "/log", "run\n");
  wait_until([&] { return read_file(tree.svc("logged") + "/starts").value_or("").ends_with("\n"); },
             "run to count its start");
  CHECK(read_file(tree.svc("logged") + "/starts") == "started\n");
  CHECK(rd.proc().err() == waiting);
}

TEST_CASE("a service directory that never gets a run is reported once and started by the next full scan",
          "[runsvdir][pickup][signals]") {
  runsvdir_tree tree(runsv_under_test());
  runsvdir_instance rd(tree, {tree.service()});
  rd.barrier(tree, "first");
  // With a down file its runsv, once started, has nothing to complain about.
  make_dir(tree.svc("never"));
  write_file(tree.svc("never") + "/down", "");
  const std::string waiting =
      "runsvdir " + tree.service() + ": warning: waiting for never/run: file does not exist\n";
  wait_until([&] { return rd.proc().err() == waiting; }, "the waiting line", default_timeout,
             [&] { return "stderr: " + rd.proc().err(); });
  // More changes in it do not repeat the line.
  write_file(tree.svc("never") + "/notes", "x\n");
  REQUIRE(::unlink((tree.svc("never") + "/notes").c_str()) == 0);
  bool once = holds_for(
      [&] {
        rd.proc().drain();
        return rd.proc().err() == waiting && rd.runsv_for("never").empty();
      },
      1500ms);
  INFO("stderr: " << rd.proc().err());
  CHECK(once);
  // ALRM is a full scan, as runit's 5 s scan would start it.
  rd.proc().signal(SIGALRM);
  pid_t runsv = rd.wait_runsv("never");
  wait_stat(tree.svc("never"), "down\n");
  rd.barrier(tree, "after");
  CHECK(rd.runsv_for("never") == std::vector<pid_t>{runsv});
  CHECK(rd.proc().err() == waiting);
}

TEST_CASE("a service renamed in without run starts once its run is renamed in", "[runsvdir][pickup]") {
  runsvdir_tree tree(runsv_under_test());
  runsvdir_instance rd(tree, {tree.service()});
  rd.barrier(tree, "first");
  make_dir(tree.stage() + "/norun");
  REQUIRE(::rename((tree.stage() + "/norun").c_str(), tree.svc("norun").c_str()) == 0);
  wait_seen(rd, tree.svc("norun"), "norun");
  write_script(tree.svc("norun") + "/run.new", counting_run);
  REQUIRE(::rename((tree.svc("norun") + "/run.new").c_str(), (tree.svc("norun") + "/run").c_str()) == 0);
  check_started_once(rd, tree, "norun");
}

TEST_CASE("a run made executable only later is started then", "[runsvdir][pickup]") {
  runsvdir_tree tree(runsv_under_test());
  runsvdir_instance rd(tree, {tree.service()});
  rd.barrier(tree, "first");
  make_dir(tree.svc("chmod"));
  write_file(tree.svc("chmod") + "/run", "#!/bin/sh\n" + counting_run, 0644);
  wait_seen(rd, tree.svc("chmod"), "chmod");
  const std::string waiting =
      "runsvdir " + tree.service() + ": warning: waiting for chmod/run: not executable\n";
  wait_until([&] { return rd.proc().err() == waiting; }, "the waiting line", default_timeout,
             [&] { return "stderr: " + rd.proc().err(); });
  CHECK(rd.runsv_for("chmod").empty());
  REQUIRE(::chmod((tree.svc("chmod") + "/run").c_str(), 0755) == 0);
  rd.wait_runsv("chmod");
  wait_stat(tree.svc("chmod"), "run\n");
  CHECK(rd.proc().err() == waiting);
}
