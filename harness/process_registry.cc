// harness/process_registry.cc — process-group bookkeeping, orphan sweeping and signal shutdown.
#include "harness/process_registry.h"

#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace gatecrash::harness {
namespace {

std::atomic<bool>& stopping_flag() {
  static std::atomic<bool> stopping{false};
  return stopping;
}

std::shared_mutex& spawning_mutex() {
  static std::shared_mutex mutex;
  return mutex;
}

std::mutex& registry_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::set<pid_t>& groups() {
  static std::set<pid_t> registered;
  return registered;
}

// Our direct children, from /proc (pid, process group).
std::vector<std::pair<pid_t, pid_t>> our_children() {
  std::vector<std::pair<pid_t, pid_t>> children;
  const pid_t self = ::getpid();
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return children;
  while (dirent* entry = ::readdir(proc)) {
    const std::string name = entry->d_name;
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat("/proc/" + name + "/stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // Fields after the command (which may hold spaces) start after the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    char state = 0;
    long parent = 0;
    long group = 0;
    if (std::sscanf(line.c_str() + close + 1, " %c %ld %ld", &state, &parent, &group) != 3) continue;
    if (parent == self) children.emplace_back(static_cast<pid_t>(std::stol(name)), static_cast<pid_t>(group));
  }
  ::closedir(proc);
  return children;
}

void kill_and_reap(const std::vector<std::pair<pid_t, pid_t>>& children) {
  for (const auto& [pid, group] : children) {
    if (group == pid) ::killpg(group, SIGKILL);
    ::kill(pid, SIGKILL);
  }
  for (const auto& child : children) ::waitpid(child.first, nullptr, 0);
}

}  // namespace

bool stopping() { return stopping_flag().load(); }

void become_subreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }

std::shared_lock<std::shared_mutex> hold_while_spawning() { return std::shared_lock(spawning_mutex()); }

void register_group(pid_t pgid) {
  std::lock_guard lock(registry_mutex());
  groups().insert(pgid);
}

void unregister_group(pid_t pgid) {
  std::lock_guard lock(registry_mutex());
  groups().erase(pgid);
}

void kill_everything_started() {
  std::set<pid_t> registered;
  {
    std::lock_guard lock(registry_mutex());
    registered = groups();
  }
  // SIGTERM first, so a harness we started (the --time-scale clock child) can stop its own
  // gateways; then SIGKILL whatever is left. Processes orphaned meanwhile are reparented to us
  // (the subreaper), so our children are swept twice.
  for (pid_t group : registered) ::killpg(group, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(2000);
  while (std::chrono::steady_clock::now() < deadline) {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    bool any = false;
    for (pid_t group : registered) any |= ::killpg(group, 0) == 0;
    if (!any) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (pid_t group : registered) ::killpg(group, SIGKILL);
  kill_and_reap(our_children());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  kill_and_reap(our_children());
}

void reap_orphans() {
  std::unique_lock no_spawn_in_progress(spawning_mutex());
  std::set<pid_t> registered;
  {
    std::lock_guard lock(registry_mutex());
    registered = groups();
  }
  std::vector<std::pair<pid_t, pid_t>> strays;
  for (const auto& child : our_children()) {
    if (!registered.contains(child.second) && !registered.contains(child.first)) strays.push_back(child);
  }
  kill_and_reap(strays);
}

void install_termination_handler() {
  static sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  ::pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread([] {
    int received = 0;
    if (::sigwait(&signals, &received) != 0) return;
    stopping_flag().store(true);
    kill_everything_started();
    std::fprintf(stderr, "gatecrash: stopped by signal %d; every process it started was killed\n", received);
    std::_Exit(2);
  }).detach();
}

}  // namespace gatecrash::harness
