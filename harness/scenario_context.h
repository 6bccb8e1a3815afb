// harness/scenario_context.h — the client engine's state while one scenario runs: named sessions,
// ids, trace ids, and the send/receive loop every step uses.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "harness/gateway_connection.h"
#include "harness/launcher.h"
#include "harness/profile.h"
#include "harness/scenario.h"
#include "harness/transcript.h"

namespace gatecrash::harness {

struct EngineSettings {
  std::uint64_t seed = 0;
  std::chrono::milliseconds request_timeout{10'000};
};

struct HarnessSession {
  std::string name;
  std::string identity;
  std::string protocol_version;
  std::unique_ptr<GatewayConnection> connection;
  bool initialized = false;
  int instance = 0;  // counts opens across the scenario, so "main" reopened is a new session
};

// One request frame on its way: its id (as text) and, for tools/call, its transcript index.
struct PendingRequest {
  std::string frame;
  std::string id_key;   // the id as JSON text, e.g. "\"c-7\""
  int call_index = -1;  // -1 for requests that are not calls
};

class ScenarioContext {
 public:
  ScenarioContext(const Scenario& scenario, const GatewayProfile& profile, Launcher& launcher,
                  Transcript& transcript, EngineSettings settings);
  ~ScenarioContext();

  const Scenario& scenario() const { return scenario_; }
  Transcript& transcript() { return transcript_; }
  const EngineSettings& settings() const { return settings_; }
  int current_step() const { return current_step_; }
  void set_current_step(int step) { current_step_ = step; }
  std::string attack_of(const Step& step) const;

  // The session a step names, opened (as the first identity) on first use.
  HarnessSession& session(const std::string& name);
  // Opens `name` afresh (closing one already open under that name). Throws HarnessError when the
  // gateway cannot be started or reached; a failed initialize is a protocol event, not an error.
  HarnessSession& open_session(const std::string& name, const std::string& identity,
                               const std::string& protocol_version, bool initialize);
  void close_session(const std::string& name);
  void close_all();
  // A protocol event for every open session whose gateway process has died (stdio).
  void report_dead_sessions();

  // The `mock` step: switches a mock server's behaviours from its next message on.
  void switch_mock_behaviors(const std::string& server, const Json& behaviors) {
    launcher_.switch_mock_behaviors(server, behaviors);
  }

  std::string next_request_id() { return "gc-" + std::to_string(++request_counter_); }
  std::string new_trace_id();
  // The name the gateway exposes for an upstream tool (profile tool_names).
  std::string exposed_name(const std::string& tool, const std::string& server) const;
  // A tools/call frame with _meta.traceparent and a transcript record; returns the request. The
  // request id is fresh unless `id` is given (a step that makes clients reuse each other's ids).
  PendingRequest prepare_call(const Step& step, HarnessSession& session, const std::string& tool,
                              const Json& arguments, const Json& extra_meta, const std::string& expect,
                              const std::string& id = "");

  // Sends every request with at most `concurrency` in flight and waits (bounded) for the answers;
  // answers are recorded on the call records. Over HTTP parallelism uses forked connections.
  void exchange(HarnessSession& session, std::vector<PendingRequest> requests, int concurrency);
  // Sends one frame and collects the messages that come back within `window` (raw steps).
  std::vector<std::string> send_and_collect(HarnessSession& session, const std::string& bytes, bool newline,
                                            std::chrono::milliseconds window, const std::string& until_id_key);
  // Handles one received message: answers for pending ids are recorded and erased from
  // `pending`; server-to-client requests are answered; everything else is logged.
  void handle_incoming(HarnessSession& session, GatewayConnection& connection, const std::string& text,
                       std::map<std::string, int>* pending);

 private:
  void exchange_pipelined(HarnessSession& session, std::vector<PendingRequest>& requests, int concurrency);
  void exchange_parallel(HarnessSession& session, std::vector<PendingRequest>& requests, int concurrency);
  void record_answer(int call_index, const Json& message, int http_status);
  void remember_raw_ids(const std::string& bytes);  // ids a raw step sent itself
  bool raw_step_sent(const std::string& id_key);    // under ids_mutex_
  // After an HTTP POST drew a 4xx without an answer for some ids: those calls were refused.
  void settle_http_refusal(HarnessSession& session, GatewayConnection& connection, std::map<std::string, int>& pending);

  const Scenario& scenario_;
  const GatewayProfile& profile_;
  Launcher& launcher_;
  Transcript& transcript_;
  EngineSettings settings_;
  std::map<std::string, HarnessSession> sessions_;
  std::mt19937_64 random_;
  std::uint64_t request_counter_ = 0;
  int sessions_opened_ = 0;
  int initialize_attempts_ = 0;  // the first unanswered one is an error (harness.E425/E427)
  int current_step_ = 0;
  std::map<std::string, int> call_index_by_id_;  // every call ever sent, for late answers
  // JSON text of every id a raw step sent (under ids_mutex_). Raw bytes are parsed only when an
  // unknown id needs them (rare): parsing every raw send, megabytes of fuzz values included, cost
  // the black-box fuzzer a tenth of its CPU.
  std::set<std::string> raw_ids_;
  std::vector<std::string> raw_unparsed_;
  std::mutex ids_mutex_;
};

}  // namespace gatecrash::harness
