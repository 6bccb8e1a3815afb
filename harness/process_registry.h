// harness/process_registry.h — every process group the harness started, so any exit path
// (including SIGINT/SIGTERM of the harness itself) can kill and reap all of them.
#pragma once

#include <sys/types.h>

#include <shared_mutex>

namespace gatecrash::harness {

// Makes this process the subreaper of its descendants (prctl PR_SET_CHILD_SUBREAPER), so that
// processes orphaned by a gateway that died (its mocks) are re-parented here and can be reaped.
void become_subreaper();

// Held (shared) from starting a child until its group is registered. reap_orphans() holds it
// exclusively, so a sweep on one thread never takes another thread's child, forked but not yet
// registered, for an orphan (`gatecrash fuzz --jobs` runs cases on several threads).
[[nodiscard]] std::shared_lock<std::shared_mutex> hold_while_spawning();

// Remembers / forgets a process group id (a child started in its own group has pgid == pid).
void register_group(pid_t pgid);
void unregister_group(pid_t pgid);

// SIGKILLs every registered group and every child process of ours whose group is not
// `keep_group`, then reaps them. Safe to call from any thread (not from a signal handler).
void kill_everything_started();

// Kills and reaps children of ours (orphans re-parented here) that belong to no registered group.
void reap_orphans();

// Blocks SIGINT/SIGTERM/SIGHUP in the calling thread (call first in main, before any thread
// starts) and starts a thread that, on one of them, kills everything started, prints a line to
// stderr and exits with status 2.
void install_termination_handler();
// True once a termination signal arrived: the handler thread is stopping everything and will
// exit with 2; other threads must not exit the process first.
bool stopping();

}  // namespace gatecrash::harness
