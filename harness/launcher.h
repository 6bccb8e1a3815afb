// harness/launcher.h — prepares a scenario's run directory and starts (and always stops) the
// gateway under test and the mocks the harness runs itself.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/gateway_connection.h"
#include "harness/profile.h"
#include "harness/scenario.h"

namespace gatecrash::harness {

struct LaunchSettings {
  std::string bindir;   // holds gatecrash-gateway and gatecrash-mock
  std::string workdir;  // the scenario's fresh run directory (created if missing)
  std::uint64_t seed = 0;
  std::chrono::milliseconds request_timeout{10'000};
};

// One scenario's gateway(s) and HTTP mocks. Every process it starts runs in its own process
// group, is registered with process_registry, and is killed and reaped by stop() or the destructor.
class Launcher {
 public:
  Launcher(const GatewayProfile& profile, const Scenario& scenario, LaunchSettings settings);
  ~Launcher();
  Launcher(const Launcher&) = delete;
  Launcher& operator=(const Launcher&) = delete;

  // Writes servers, policy and grants files, starts HTTP mocks and (for an HTTP profile) the
  // gateway replicas, and waits until they answer. Throws HarnessError (harness.E42x).
  void start();
  // Writes the scenario's policy (and the gateway's translation of it) without starting
  // anything, so the runner can check it loads first; start() then does not write it again.
  void write_policy();
  // A new client connection as `identity`: a fresh gateway process (stdio) or a new HTTP client
  // on the next replica (round-robin). `label` names the stderr file. Throws HarnessError.
  std::unique_ptr<GatewayConnection> connect(const std::string& identity, const std::string& label);
  // Kills and reaps everything started; idempotent.
  void stop();

  // Runs `gatecrash-mock --check` on every server's behaviours and on what each `mock` step
  // switches them to, before anything starts: a bad name or value is the scenario's error
  // (harness.E512, with the file, the JSON pointer and the mock's message), not a gateway finding.
  void check_mock_behaviors();

  // The `mock` step: from the mock processes' next message on, `behaviors` (NAME: VALUE) replace
  // those of server `server`, on top of earlier switches. Written atomically to the server's
  // control file, which every process of that server (stdio mocks are one per gateway process)
  // watches when the scenario has a `mock` step for it. Throws HarnessError when it cannot write.
  void switch_mock_behaviors(const std::string& server, const nlohmann::json& behaviors);

  // Whether every HTTP gateway replica is still running (stdio: true; attach: true).
  bool gateway_alive();
  const std::string& ledger_path() const { return ledger_path_; }
  const std::string& policy_path() const { return scenario_policy_path_; }  // as the scenario wrote it
  const std::string& workdir() const { return settings_.workdir; }
  const std::map<std::string, std::string>& tokens() const { return tokens_; }

 private:
  Placeholders placeholders(const std::string& identity) const;
  void write_servers_file();
  // `--control <file>` for a server some `mock` step switches, else nothing.
  std::vector<std::string> control_args(const MockServerSpec& server) const;
  std::string control_path(const std::string& server) const;  // <run>/control-<server>.json
  void write_grants_file();
  void start_http_mock(const MockServerSpec& server);
  void start_gateway_replica(int replica);
  std::string stderr_tail(const std::string& path) const;

  const GatewayProfile& profile_;
  const Scenario& scenario_;
  LaunchSettings settings_;
  std::string ledger_path_;
  std::string servers_path_;
  std::map<std::string, nlohmann::json> switched_behaviors_;  // per server, every switch so far
  std::string grants_path_;
  std::string first_server_command_;  // {server_command}: the first stdio mock as one sh command line
  std::string scenario_policy_path_;  // what the oracles load
  std::string gateway_policy_path_;   // what {policy} expands to
  std::map<std::string, std::string> mock_urls_;  // server name -> URL (http mocks)
  std::map<std::string, std::string> tokens_;     // identity -> bearer token
  std::vector<std::unique_ptr<mcp::ChildProcess>> processes_;  // mocks and http gateways
  std::vector<std::string> gateway_urls_;
  std::vector<std::size_t> gateway_process_index_;
  std::size_t next_replica_ = 0;
  int stdio_sessions_ = 0;
  bool stopped_ = false;
};

}  // namespace gatecrash::harness
