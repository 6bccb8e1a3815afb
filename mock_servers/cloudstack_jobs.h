// mock_servers/cloudstack_jobs.h — CloudStack async jobs: pending a while, then done/failed.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "mock_servers/cloudstack_inventory.h"
#include "mock_servers/seeded_random.h"

namespace gatecrash::mock::cloudstack {

// What a job does when it comes due. `check` returns why the job fails now ("" to go ahead);
// `apply` changes the inventory and returns the effect; `undo` (optional) cleans up after a
// failure.
struct JobPlan {
  std::string cmd, instancetype, instanceid, event_type, description;
  std::function<std::string()> check;
  std::function<std::string()> apply;
  std::function<void()> undo;
};

// Jobs live in Inventory::jobs (list_async_jobs shows them); their plans live here until due.
// A job stays at jobstatus 0 for a seeded 300-2000 ms, then runs: 1 when its check passes,
// 2 when it does not, or (with a small seeded probability) for no reason the caller can see.
class JobQueue {
 public:
  using EffectSink = std::function<void(std::string)>;
  JobQueue(Inventory& inventory, SeededRandom& random, EffectSink record_effect);

  // Queues a job and reports "job_created:<id>:<event type>:<target>"; returns the job id. The
  // seeded delay counts from `not_before_ms` when that is later than `now_ms`.
  std::string queue(JobPlan plan, std::int64_t now_ms, std::int64_t not_before_ms = 0);
  // Runs every job due by `now_ms`, in due order, reporting each one's effect (or job_failed:<id>).
  void run_due(std::int64_t now_ms);

 private:
  void finish(AsyncJob& job);

  Inventory& inventory_;
  SeededRandom& random_;
  EffectSink record_effect_;
  std::map<std::string, JobPlan> plans_;  // pending jobs' plans, by job id
  std::int64_t sequence_ = 0;
};

}  // namespace gatecrash::mock::cloudstack
