// harness/launcher.cc — run directory files, HTTP mocks, HTTP gateway replicas, stdio sessions.
#include "harness/launcher.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "harness/errors.h"
#include "harness/process_registry.h"
#include "mcp/loopback_port.h"

namespace gatecrash::harness {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw HarnessError("harness.E420", path + ": cannot write");
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A bearer token per identity, derived from the seed so a replay uses the same ones.
std::string token_for(const std::string& identity, std::uint64_t seed) {
  std::uint64_t hash = 1469598103934665603ULL ^ seed;
  for (unsigned char c : identity) hash = (hash ^ c) * 1099511628211ULL;
  auto mix = [](std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  };
  char text[40];
  std::snprintf(text, sizeof text, "gct_%016llx%016llx", static_cast<unsigned long long>(mix(hash)),
                static_cast<unsigned long long>(mix(hash + 1)));
  return text;
}

std::unique_ptr<mcp::ChildProcess> spawn(const mcp::ChildOptions& options, const std::string& what) {
  try {
    const auto spawning = hold_while_spawning();
    auto child = mcp::ChildProcess::spawn(options);
    register_group(child->pid());
    return child;
  } catch (const mcp::ChildProcessError& error) {
    throw HarnessError("harness.E421", "cannot start " + what + ": " + error.what());
  }
}

}  // namespace

namespace {
// POSIX sh single quoting: the word survives `sh -c` unchanged whatever it holds.
std::string shell_quote(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}
}  // namespace

Launcher::Launcher(const GatewayProfile& profile, const Scenario& scenario, LaunchSettings settings)
    : profile_(profile), scenario_(scenario), settings_(std::move(settings)) {
  fs::create_directories(settings_.workdir);
  ledger_path_ = (fs::path(settings_.workdir) / "ledger.jsonl").string();
  servers_path_ = (fs::path(settings_.workdir) / "servers.json").string();
  grants_path_ = (fs::path(settings_.workdir) / "grants.json").string();
  for (const auto& identity : scenario_.identities) tokens_[identity] = token_for(identity, settings_.seed);
}

Launcher::~Launcher() { stop(); }

Placeholders Launcher::placeholders(const std::string& identity) const {
  Placeholders values{{"policy", gateway_policy_path_}, {"servers", servers_path_},
                      {"workdir", settings_.workdir}, {"bindir", settings_.bindir},
                      {"grants", grants_path_}, {"profile_dir", fs::absolute(profile_.file).parent_path().string()},
                      {"server_command", first_server_command_}};
  if (!identity.empty()) {
    values["identity"] = identity;
    auto token = tokens_.find(identity);
    if (token != tokens_.end()) values["token"] = token->second;
  }
  return values;
}

void Launcher::start() {
  write_text(ledger_path_, "");  // exists even when nothing reaches a mock
  for (const auto& server : scenario_.servers) {
    if (server.transport == "http") start_http_mock(server);
  }
  write_servers_file();
  write_grants_file();
  if (gateway_policy_path_.empty()) write_policy();
  if (profile_.is_http()) {
    if (profile_.attach_mode()) {
      gateway_urls_.push_back(profile_.url);
    } else {
      for (int replica = 0; replica < profile_.replicas; ++replica) start_gateway_replica(replica);
    }
  }
}

void Launcher::write_policy() {
  const fs::path dir(settings_.workdir);
  if (!scenario_.inline_policy.is_null()) {
    scenario_policy_path_ = (dir / "policy.json").string();
    write_text(scenario_policy_path_, scenario_.inline_policy.dump(2) + "\n");
  } else {
    const std::string extension = fs::path(scenario_.policy_path).extension().string();
    scenario_policy_path_ = (dir / ("policy" + extension)).string();
    fs::copy_file(scenario_.policy_path, scenario_policy_path_, fs::copy_options::overwrite_existing);
  }
  const bool is_yaml = fs::path(scenario_policy_path_).extension() != ".json";
  gateway_policy_path_ = scenario_policy_path_;
  if (profile_.policy_format == "intercept-yaml" && !is_yaml) {
    throw HarnessError("harness.E422", scenario_.file + ": /policy: the profile " + profile_.file +
                                           " takes intercept-yaml policies and this scenario's policy is native JSON");
  }
  if (profile_.policy_format != "translate") return;
  // The translate command prints the gateway's own format; its output becomes {policy}.
  std::vector<std::string> argv;
  for (const auto& part : profile_.translate_command) {
    argv.push_back(expand(part, placeholders(""), profile_.file + ": /policy_format/translate"));
  }
  mcp::ChildOptions options;
  options.argv = argv;
  options.stderr_path = (dir / "translate.stderr").string();
  auto child = spawn(options, "the policy translate command");
  child->close_stdin();
  std::string output;
  const auto deadline = Clock::now() + std::chrono::milliseconds(profile_.startup_timeout_ms);
  while (Clock::now() < deadline) {
    auto line = child->read_line(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
    if (!line) break;
    output += *line + "\n";
  }
  const bool finished = child->at_eof();
  auto status = child->wait_exit(std::chrono::milliseconds(2000));
  unregister_group(child->pid());
  if (!finished || !status || *status != 0) {
    child->terminate(std::chrono::milliseconds(200));
    throw HarnessError("harness.E423", "policy translate command of " + profile_.file + " failed" +
                                           (status ? " with status " + std::to_string(*status) : " (timed out)") +
                                           ": " + stderr_tail(options.stderr_path));
  }
  // Gateways tell formats apart by extension; the translated text keeps what it is.
  const bool is_json = !nlohmann::json::parse(output, nullptr, false).is_discarded();
  gateway_policy_path_ = (dir / (is_json ? "policy-translated.json" : "policy-translated.yaml")).string();
  write_text(gateway_policy_path_, output);
}

void Launcher::write_servers_file() {
  nlohmann::json servers = nlohmann::json::object();
  for (const auto& server : scenario_.servers) {
    if (server.transport == "http") {
      servers[server.name] = {{"type", "http"}, {"url", mock_urls_.at(server.name)}};
      continue;
    }
    nlohmann::json args = {"--catalog", server.catalog, "--ledger", ledger_path_};
    if (server.seed) args.insert(args.end(), {"--seed", std::to_string(*server.seed)});
    for (const auto& [name, value] : server.behaviors) args.insert(args.end(), {"--behavior", name + "=" + value});
    for (const auto& arg : control_args(server)) args.push_back(arg);
    servers[server.name] = {{"command", (fs::path(settings_.bindir) / "gatecrash-mock").string()}, {"args", args}};
    if (first_server_command_.empty()) {
      first_server_command_ = shell_quote(servers[server.name]["command"].get<std::string>());
      for (const auto& arg : args) first_server_command_ += " " + shell_quote(arg.get<std::string>());
    }
  }
  write_text(servers_path_, nlohmann::json{{"mcpServers", servers}}.dump(2) + "\n");
}

void Launcher::check_mock_behaviors() {
  const fs::path dir(settings_.workdir);
  const auto check = [&](const MockServerSpec& server, const nlohmann::json& switched, const std::string& pointer) {
    mcp::ChildOptions options;
    options.argv = {(fs::path(settings_.bindir) / "gatecrash-mock").string(), "--catalog", server.catalog, "--check"};
    for (const auto& [name, value] : server.behaviors) options.argv.insert(options.argv.end(), {"--behavior", name + "=" + value});
    if (!switched.is_null()) {
      const std::string control = (dir / ("check-control-" + server.name + ".json")).string();
      write_text(control, switched.dump() + "\n");
      options.argv.insert(options.argv.end(), {"--control", control});
    }
    options.stderr_path = (dir / ("check-" + server.name + ".stderr")).string();
    auto child = spawn(options, "gatecrash-mock --check");
    child->close_stdin();
    const auto status = child->wait_exit(std::chrono::milliseconds(profile_.startup_timeout_ms));
    if (!status) child->terminate(std::chrono::milliseconds(200));
    unregister_group(child->pid());
    if (status == 0) return;
    std::string message = read_text(options.stderr_path);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    if (message.rfind("gatecrash-mock: ", 0) == 0) message.erase(0, 16);
    throw HarnessError("harness.E512", scenario_.file + ": " + pointer + ": " +
                                           (status ? message : "gatecrash-mock --check did not finish"));
  };
  for (std::size_t i = 0; i < scenario_.servers.size(); ++i) {
    const MockServerSpec& server = scenario_.servers[i];
    if (!server.behaviors.empty()) check(server, nullptr, "/servers/" + std::to_string(i) + "/behaviors");
    // Each switch as the mock will see it: on top of every earlier switch of that server.
    nlohmann::json switched = nlohmann::json::object();
    for (const Step* step : mock_steps_of(scenario_, server.name)) {
      switched.update(step->spec["behaviors"]);
      check(server, switched, step->pointer + "/behaviors");
    }
  }
}

std::string Launcher::control_path(const std::string& server) const {
  return (fs::path(settings_.workdir) / ("control-" + server + ".json")).string();
}

std::vector<std::string> Launcher::control_args(const MockServerSpec& server) const {
  if (mock_steps_of(scenario_, server.name).empty()) return {};
  return {"--control", control_path(server.name)};
}

void Launcher::switch_mock_behaviors(const std::string& server, const nlohmann::json& behaviors) {
  nlohmann::json& all = switched_behaviors_[server];
  if (!all.is_object()) all = nlohmann::json::object();
  all.update(behaviors);
  const fs::path path = control_path(server);
  // Written beside and renamed over, so a mock never reads half a file.
  const fs::path temp = path.string() + ".tmp";
  write_text(temp.string(), all.dump() + "\n");
  std::error_code error;
  fs::rename(temp, path, error);
  if (error) throw HarnessError("harness.E444", "cannot write the control file " + path.string() + ": " + error.message());
}

void Launcher::write_grants_file() {
  nlohmann::json grants = nlohmann::json::array();
  for (const auto& [identity, token] : tokens_) grants.push_back({{"identity", identity}, {"token", token}});
  write_text(grants_path_, nlohmann::json{{"grants", grants}}.dump(2) + "\n");
}

void Launcher::start_http_mock(const MockServerSpec& server) {
  const fs::path dir(settings_.workdir);
  const std::string ready = (dir / ("mock-" + server.name + ".ready")).string();
  mcp::ChildOptions options;
  options.argv = {(fs::path(settings_.bindir) / "gatecrash-mock").string(), "--catalog", server.catalog,
                  "--transport", "http", "--listen", "127.0.0.1:0", "--ready-file", ready, "--ledger", ledger_path_};
  if (server.seed) options.argv.insert(options.argv.end(), {"--seed", std::to_string(*server.seed)});
  for (const auto& [name, value] : server.behaviors) options.argv.insert(options.argv.end(), {"--behavior", name + "=" + value});
  for (const auto& arg : control_args(server)) options.argv.push_back(arg);
  options.stderr_path = (dir / ("mock-" + server.name + ".stderr")).string();
  processes_.push_back(spawn(options, "gatecrash-mock " + server.name));
  auto& mock = *processes_.back();
  const auto deadline = Clock::now() + std::chrono::milliseconds(profile_.startup_timeout_ms);
  while (Clock::now() < deadline) {
    std::string url = read_text(ready);
    if (!url.empty() && url.back() == '\n') {
      url.pop_back();
      mock_urls_[server.name] = url;
      return;
    }
    if (!mock.running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw HarnessError("harness.E424", "mock " + server.name + " did not become ready: " + stderr_tail(options.stderr_path));
}

void Launcher::start_gateway_replica(int replica) {
  const fs::path dir(settings_.workdir);
  std::string last_error;
  for (int attempt = 0; attempt < 3; ++attempt) {  // a reserved port can be taken before the bind
    const int port = mcp::free_loopback_port();
    Placeholders values = placeholders("");
    values["port"] = std::to_string(port);
    values["replica"] = std::to_string(replica);
    mcp::ChildOptions options;
    for (const auto& part : profile_.command) options.argv.push_back(expand(part, values, profile_.file + ": /command"));
    for (const auto& [key, value] : profile_.env) options.env[key] = expand(value, values, profile_.file + ": /env/" + key);
    options.stderr_path = (dir / ("gateway-" + std::to_string(replica) + ".stderr")).string();
    options.working_dir = settings_.workdir;
    const std::string url = expand(profile_.url, values, profile_.file + ": /url");
    processes_.push_back(spawn(options, "the gateway (" + profile_.file + ")"));
    // Its stdin stays open (a pipe the harness holds until stop()): bridges such as supergateway
    // take stdin EOF as the signal to shut down.
    auto& gateway = *processes_.back();
    mcp::HttpClientOptions probe_options;
    probe_options.timeout = std::chrono::milliseconds(500);
    probe_options.keep_alive = false;
    const auto deadline = Clock::now() + std::chrono::milliseconds(profile_.startup_timeout_ms);
    while (Clock::now() < deadline && gateway.running()) {
      mcp::StreamableHttpClient probe(url, probe_options);
      if (probe.request("GET", probe.target()).status != 0) {
        gateway_urls_.push_back(url);
        gateway_process_index_.push_back(processes_.size() - 1);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // Only a gateway that exited (its port taken meanwhile, say) is worth another attempt; one
    // that ran without answering for the whole startup timeout will not do better.
    const bool hung = gateway.running();
    last_error = hung ? "no answer at " + url + " within " + std::to_string(profile_.startup_timeout_ms) + " ms"
                      : "exited during startup: " + stderr_tail(options.stderr_path);
    unregister_group(gateway.pid());
    gateway.terminate(std::chrono::milliseconds(500));
    processes_.pop_back();
    if (hung) break;
  }
  throw HarnessError("harness.E425", "the gateway (" + profile_.file + ") did not start: " + last_error);
}

std::unique_ptr<GatewayConnection> Launcher::connect(const std::string& identity, const std::string& label) {
  if (profile_.is_http()) {
    if (gateway_urls_.empty()) throw HarnessError("harness.E426", "no gateway to connect to (not started)");
    mcp::HttpClientOptions options;
    options.timeout = settings_.request_timeout;
    if (profile_.identity) {
      options.headers.emplace_back(profile_.identity->header,
                                   expand(profile_.identity->value, placeholders(identity), profile_.file + ": /identity/value"));
    }
    const std::string& url = gateway_urls_[next_replica_++ % gateway_urls_.size()];
    return std::make_unique<HttpConnection>(url, options);
  }
  const fs::path dir(settings_.workdir);
  Placeholders values = placeholders(identity);
  mcp::ChildOptions options;
  for (const auto& part : profile_.command) options.argv.push_back(expand(part, values, profile_.file + ": /command"));
  for (const auto& [key, value] : profile_.env) options.env[key] = expand(value, values, profile_.file + ": /env/" + key);
  if (profile_.identity) {
    options.env[profile_.identity->env] = expand(profile_.identity->value, values, profile_.file + ": /identity/value");
  }
  options.stderr_path = (dir / ("gateway-" + label + "-" + std::to_string(stdio_sessions_++) + ".stderr")).string();
  options.working_dir = settings_.workdir;
  return std::make_unique<StdioConnection>(spawn(options, "the gateway (" + profile_.file + ")"));
}

bool Launcher::gateway_alive() {
  for (std::size_t index : gateway_process_index_) {
    if (!processes_[index]->running()) return false;
  }
  return true;
}

void Launcher::stop() {
  if (stopped_) return;
  stopped_ = true;
  // Gateways first (they may still talk to the mocks), each group SIGTERM then SIGKILL.
  for (auto it = processes_.rbegin(); it != processes_.rend(); ++it) {
    (*it)->terminate(std::chrono::milliseconds(1000));
    unregister_group((*it)->pid());
  }
  processes_.clear();
  reap_orphans();
}

std::string Launcher::stderr_tail(const std::string& path) const {
  std::string text = read_text(path);
  if (text.size() > 600) text = "..." + text.substr(text.size() - 600);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text.empty() ? "(no stderr)" : text;
}

}  // namespace gatecrash::harness
