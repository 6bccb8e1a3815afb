// mock_servers/cloudstack_jobs.cc — CloudStack async jobs: pending a while, then done/failed.
#include "mock_servers/cloudstack_jobs.h"

#include <algorithm>

namespace gatecrash::mock::cloudstack {
namespace {

constexpr std::int64_t kJobMinPendingMs = 300;
constexpr std::int64_t kJobMaxPendingMs = 2000;
constexpr int kJobFailurePerMille = 30;
constexpr const char* kInternalError =
    "Internal error executing command, please contact your system administrator";

}  // namespace

JobQueue::JobQueue(Inventory& inventory, SeededRandom& random, EffectSink record_effect)
    : inventory_(inventory), random_(random), record_effect_(std::move(record_effect)) {}

std::string JobQueue::queue(JobPlan plan, std::int64_t now_ms, std::int64_t not_before_ms) {
  AsyncJob job;
  job.id = random_.uuid();
  job.cmd = plan.cmd;
  job.instancetype = plan.instancetype;
  job.instanceid = plan.instanceid;
  job.created_ms = now_ms;
  job.due_ms =
      std::max(now_ms, not_before_ms) + random_.between(kJobMinPendingMs, kJobMaxPendingMs);
  job.doomed = random_.chance_per_mille(kJobFailurePerMille);
  job.sequence = sequence_++;
  log_event(inventory_, plan.event_type, "INFO", "Scheduled: " + plan.description, "Scheduled",
            now_ms);
  // The state change itself is reported when the job completes.
  record_effect_("job_created:" + job.id + ":" + plan.event_type + ":" + plan.instanceid);
  plans_.emplace(job.id, std::move(plan));
  inventory_.jobs.push_back(job);
  return job.id;
}

void JobQueue::run_due(std::int64_t now_ms) {
  for (;;) {
    AsyncJob* due = nullptr;
    for (AsyncJob& job : inventory_.jobs) {
      if (job.status != 0 || job.due_ms > now_ms) continue;
      if (due == nullptr || job.due_ms < due->due_ms ||
          (job.due_ms == due->due_ms && job.sequence < due->sequence)) {
        due = &job;
      }
    }
    if (due == nullptr) return;
    finish(*due);  // plans never queue jobs, so `due` stays valid
  }
}

void JobQueue::finish(AsyncJob& job) {
  auto plan = plans_.extract(job.id);
  if (plan.empty()) {  // cannot happen: every queued job has a plan; fail it rather than crash
    job.status = 2;
    job.errortext = kInternalError;
    return;
  }
  const JobPlan& steps = plan.mapped();
  std::string failure = job.doomed ? kInternalError : steps.check();
  if (failure.empty()) {
    job.status = 1;
    record_effect_(steps.apply());
    log_event(inventory_, steps.event_type, "INFO", "Completed: " + steps.description, "Completed",
              job.due_ms);
    return;
  }
  job.status = 2;
  job.errortext = failure;
  if (steps.undo) steps.undo();
  record_effect_("job_failed:" + job.id);
  log_event(inventory_, steps.event_type, "ERROR", "Failed: " + steps.description + ": " + failure,
            "Completed", job.due_ms);
}

}  // namespace gatecrash::mock::cloudstack
