// bench/gateway_bench.cc — gatecrash-gateway beside direct mock calls, supergateway and mcp-proxy.
//
// One run, one client code per transport, one mock (gatecrash-mock --catalog prometheus, tool
// GetServerInfo {}: read-only, answers from memory). Every target gets, in order:
//   latency    sequential tools/call, one in flight, after a warm-up: p50 and p99 in us;
//   throughput `--in-flight` calls outstanding until `--load-calls` answers or `--load-seconds`
//              passed, whichever comes first: calls/s.
// stdio targets (the mock itself; the gateway's stdio front before the mock) use ClientSession
// over the child's pipes and pipeline on that one session. HTTP targets (the mock's own HTTP
// transport; the gateway's HTTP front; supergateway and mcp-proxy, each bridging to a stdio
// mock) use StreamableHttpClient: `--in-flight` threads, each with its own client and keep-alive
// connection, share `--load-sessions` sessions, one by default. One on purpose: supergateway
// starts one mock per session, so one session keeps every target at exactly one upstream mock.
// The gateway's RSS is read after its stdio run and, over HTTP, after the load and again after
// opening `--sessions` more sessions (initialize + one call each, all kept open).
//
// Every child runs in its own process group (mcp::ChildProcess) and is terminated and reaped
// when its target is done, on error and on SIGINT/SIGTERM (which only set a flag: every loop is
// bounded and checks it). The bench is a child subreaper, so what a killed bridge leaves behind
// is reaped here too. Everything listens on 127.0.0.1 only. Exit status: 0, or 1 when a target
// that was present failed; a target whose binary is missing is skipped with its reason.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mcp/child_process.h"
#include "mcp/client_session.h"
#include "mcp/http_client.h"

namespace {

namespace fs = std::filesystem;
using gatecrash::mcp::Json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kCallTimeout = 10s;   // one request, stdio or HTTP
constexpr auto kStartTimeout = 30s;  // a child until it listens or answers initialize
constexpr auto kSettle = 200ms;      // before reading RSS: let allocators and threads settle
constexpr const char* kProtocol = "2025-06-18";
constexpr const char* kTool = "GetServerInfo";

// SIGINT/SIGTERM ask every loop to stop; a second one ends the process at once.
std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int signal_number) {
  if (g_interrupted.exchange(true)) {
    ::signal(signal_number, SIG_DFL);
    ::raise(signal_number);
  }
}

struct BenchError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void check_interrupted() {
  if (g_interrupted) throw BenchError("interrupted");
}

struct Options {
  std::string gateway;
  std::string mock;
  std::string node = "node";
  std::string supergateway_js;
  std::string mcp_proxy_js;
  std::string json_path;
  std::vector<std::string> targets;  // empty: all
  int warmup = 200;
  int latency_calls = 2000;
  double latency_seconds = 10;
  int load_calls = 100000;
  double load_seconds = 10;
  int in_flight = 64;
  int load_sessions = 1;  // HTTP sessions the in-flight threads share (see the file comment)
  int sessions = 100;
  bool keep_temp = false;
};

// One target's outcome; `skipped` or `failed` says why there are no numbers.
struct Result {
  std::string name;       // stable id: mock-stdio, gateway-stdio, mock-http, gateway-http, ...
  std::string label;      // shown in the table
  std::string transport;  // stdio | http
  std::string skipped;
  std::string failed;
  double p50_us = 0;
  double p99_us = 0;
  int latency_samples = 0;
  double calls_per_s = 0;
  long load_calls = 0;
  double load_seconds = 0;
  bool measured() const { return skipped.empty() && failed.empty(); }
};

Result target(std::string name, std::string label, std::string transport) {
  Result result;
  result.name = std::move(name);
  result.label = std::move(label);
  result.transport = std::move(transport);
  return result;
}

struct RssReport {
  long gateway_after_stdio_kib = -1;
  long gateway_http_after_load_kib = -1;
  long gateway_http_after_sessions_kib = -1;
  int sessions_opened = 0;
};

long rss_kib(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// Nearest-rank percentile of sorted samples.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank =
      static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

void record_latencies(Result& result, std::vector<double> samples_us) {
  std::sort(samples_us.begin(), samples_us.end());
  result.p50_us = percentile(samples_us, 50);
  result.p99_us = percentile(samples_us, 99);
  result.latency_samples = static_cast<int>(samples_us.size());
}

double since_us(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

// A fresh directory for configs, ledgers, stderr captures and the node shim; removed at exit
// unless --keep-temp. Declared before any child so that the children go first.
class TempDir {
 public:
  explicit TempDir(bool keep) : keep_(keep) {
    std::string pattern = (fs::temp_directory_path() / "gatecrash-bench-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw BenchError("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!keep_) fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
  bool keep_;
};

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) throw BenchError("cannot write " + path);
}

std::string tail_of(const std::string& path, std::size_t bytes = 600) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > bytes) text = "..." + text.substr(text.size() - bytes);
  return text;
}

// A port the kernel just handed out on 127.0.0.1, for bridges that cannot be told port 0 and
// report what they got. Another process could take it before the bridge binds; then the bridge
// fails to start and the target is reported failed, not measured against a stranger.
int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw BenchError("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  if (!ok) throw BenchError("cannot find a free port on 127.0.0.1");
  return ntohs(addr.sin_port);
}

bool port_accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// Polls `ready` every 25 ms until it holds, the child exits, or kStartTimeout passes.
void wait_until(gatecrash::mcp::ChildProcess& child, const std::string& what,
                const std::string& stderr_path, const std::function<bool()>& ready) {
  const auto deadline = Clock::now() + kStartTimeout;
  while (!ready()) {
    check_interrupted();
    if (!child.running())
      throw BenchError(what + " exited before it was ready: " + tail_of(stderr_path));
    if (Clock::now() > deadline)
      throw BenchError(what + " not ready within 30 s: " + tail_of(stderr_path));
    std::this_thread::sleep_for(25ms);
  }
}

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// "name version" from the package.json of the npm package holding `entry`, or "" when none.
std::string package_label(const std::string& entry) {
  for (fs::path dir = fs::path(entry).parent_path(); !dir.empty() && dir != dir.root_path();
       dir = dir.parent_path()) {
    std::ifstream in(dir / "package.json");
    if (!in) continue;
    const Json package = Json::parse(in, nullptr, false);
    if (package.is_object() && package.contains("version")) {
      return package.value("name", "?") + " " + package.value("version", "?");
    }
  }
  return "";
}

std::string shell_quote(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// Throws unless an answer is a successful CallToolResult: a bench of errors measures nothing.
void expect_tool_success(const Json& answer, const std::string& where) {
  if (answer.contains("result") && answer["result"].is_object() &&
      !answer["result"].value("isError", false))
    return;
  throw BenchError(where + ": tools/call did not succeed: " + answer.dump().substr(0, 300));
}

Json call_params() { return Json{{"name", kTool}, {"arguments", Json::object()}}; }

// ---- stdio -------------------------------------------------------------------------------

Json answer_json(const gatecrash::mcp::Message& message) {
  if (const auto* response = std::get_if<gatecrash::mcp::Response>(&message))
    return Json{{"result", response->result}};
  if (const auto* error = std::get_if<gatecrash::mcp::ErrorResponse>(&message)) {
    return Json{{"error", {{"code", error->error.code}, {"message", error->error.message}}}};
  }
  return Json{{"unexpected", "not an answer"}};
}

void stdio_latency(gatecrash::mcp::ClientSession& client, const Options& options, Result& result) {
  const Json params = call_params();
  for (int i = 0; i < options.warmup; ++i)
    expect_tool_success(answer_json(client.request("tools/call", params)), "warm-up");
  std::vector<double> samples;
  const auto deadline = Clock::now() + std::chrono::duration<double>(options.latency_seconds);
  while (static_cast<int>(samples.size()) < options.latency_calls && Clock::now() < deadline) {
    check_interrupted();
    const auto start = Clock::now();
    const auto answer = client.request("tools/call", params);
    samples.push_back(since_us(start));
    expect_tool_success(answer_json(answer), "latency");
  }
  record_latencies(result, std::move(samples));
}

// Keeps `in_flight` requests outstanding on the one session, topping up in batches of an eighth
// of the window sent with one write (a pipelining client; between 7/8 and all of the window are
// in flight at any time). Stops sending at the call or time bound, then drains.
void stdio_throughput(gatecrash::mcp::ClientSession& client, const Options& options,
                      Result& result) {
  const Json params = call_params();
  std::deque<gatecrash::mcp::RequestId> outstanding;
  const int refill = std::max(options.in_flight / 8, 1);
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(options.load_seconds);
  long sent = 0;
  long answered = 0;
  for (;;) {
    const bool may_send = sent < options.load_calls && Clock::now() < deadline && !g_interrupted;
    if (may_send && static_cast<int>(outstanding.size()) <= options.in_flight - refill) {
      const auto batch =
          static_cast<std::size_t>(std::min<long>(refill, options.load_calls - sent));
      for (auto& id : client.send_requests("tools/call", params, batch))
        outstanding.push_back(std::move(id));
      sent += static_cast<long>(batch);
    }
    if (outstanding.empty()) break;
    expect_tool_success(answer_json(client.await_answer(outstanding.front())), "throughput");
    outstanding.pop_front();
    ++answered;
  }
  check_interrupted();
  result.load_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.load_calls = answered;
  result.calls_per_s = static_cast<double>(answered) / result.load_seconds;
}

// Measures one stdio target; `before_exit` runs while the child is still up (RSS readings).
void run_stdio(const std::vector<std::string>& argv, const std::string& stderr_path,
               const Options& options, Result& result,
               const std::function<void(int pid)>& before_exit = {}) {
  gatecrash::mcp::ChildOptions child_options;
  child_options.argv = argv;
  child_options.stderr_path = stderr_path;
  auto child = gatecrash::mcp::ChildProcess::spawn(child_options);
  try {
    // One bound for every wait: the gateway reads initialize only once its upstream is ready.
    gatecrash::mcp::ClientSession client(*child, kStartTimeout);
    client.initialize(kProtocol);
    stdio_latency(client, options, result);
    stdio_throughput(client, options, result);
    if (before_exit) before_exit(child->pid());
  } catch (const std::exception& e) {
    throw BenchError(std::string(e.what()) +
                     (child->running() ? "" : " (child exited: " + tail_of(stderr_path) + ")"));
  }
  child->terminate();
}

// ---- HTTP --------------------------------------------------------------------------------

std::atomic<long> g_next_http_id{1};  // unique across every thread: sessions are shared

std::string rpc(const std::string& method, const Json& params) {
  return Json{{"jsonrpc", "2.0"}, {"id", g_next_http_id++}, {"method", method}, {"params", params}}
      .dump();
}

// The JSON-RPC answer among an exchange's messages (plain JSON body or SSE events), or null.
Json answer_of(const gatecrash::mcp::HttpExchange& exchange) {
  for (const auto& message : exchange.messages) {
    Json parsed = Json::parse(message, nullptr, false);
    if (parsed.is_object() && (parsed.contains("result") || parsed.contains("error")))
      return parsed;
  }
  return nullptr;
}

std::unique_ptr<gatecrash::mcp::StreamableHttpClient> http_client(const std::string& url) {
  gatecrash::mcp::HttpClientOptions client_options;
  client_options.timeout = kCallTimeout;
  return std::make_unique<gatecrash::mcp::StreamableHttpClient>(url, client_options);
}

void http_call(gatecrash::mcp::StreamableHttpClient& client, const std::string& where) {
  const auto exchange = client.post(rpc("tools/call", call_params()));
  if (exchange.status != 200) {
    throw BenchError(where + ": HTTP " + std::to_string(exchange.status) + " " + exchange.error +
                     " " + exchange.raw_body.substr(0, 200));
  }
  expect_tool_success(answer_of(exchange), where);
}

// initialize (the client keeps the Mcp-Session-Id) + notifications/initialized.
void open_http_session(gatecrash::mcp::StreamableHttpClient& client) {
  const auto init = client.post(
      rpc("initialize", {{"protocolVersion", kProtocol},
                         {"capabilities", Json::object()},
                         {"clientInfo", {{"name", "bench_gateway"}, {"version", "1"}}}}));
  if (init.status != 200 || !answer_of(init).contains("result")) {
    throw BenchError("initialize: HTTP " + std::to_string(init.status) + " " + init.error + " " +
                     init.raw_body.substr(0, 200));
  }
  client.set_protocol_version(kProtocol);
  const auto initialized = client.post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  if (initialized.status != 202 && initialized.status != 200) {
    throw BenchError("notifications/initialized: HTTP " + std::to_string(initialized.status));
  }
}

void http_latency(gatecrash::mcp::StreamableHttpClient& client, const Options& options,
                  Result& result) {
  for (int i = 0; i < options.warmup; ++i) http_call(client, "warm-up");
  std::vector<double> samples;
  const auto deadline = Clock::now() + std::chrono::duration<double>(options.latency_seconds);
  while (static_cast<int>(samples.size()) < options.latency_calls && Clock::now() < deadline) {
    check_interrupted();
    const auto start = Clock::now();
    http_call(client, "latency");
    samples.push_back(since_us(start));
  }
  record_latencies(result, std::move(samples));
}

// `in_flight` threads, each with its own client (own keep-alive connection) on one of
// `sessions` (thread t on session t mod n), claim calls from one counter until the call or time
// bound. The first failure stops every thread and is rethrown.
void http_throughput(
    const std::vector<std::unique_ptr<gatecrash::mcp::StreamableHttpClient>>& sessions,
    const Options& options, Result& result) {
  std::atomic<long> claimed{0};
  std::atomic<long> answered{0};
  std::atomic<bool> stop{false};
  std::mutex failure_mutex;
  std::string failure;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(options.load_seconds);
  std::vector<std::thread> threads;
  for (int t = 0; t < options.in_flight; ++t) {
    const auto& session = *sessions[static_cast<std::size_t>(t) % sessions.size()];
    threads.emplace_back([&] {
      try {
        auto client = http_client(session.url());
        client->set_session_id(session.session_id());
        client->set_protocol_version(session.protocol_version());
        while (!stop && !g_interrupted && Clock::now() < deadline &&
               claimed++ < options.load_calls) {
          http_call(*client, "throughput");
          ++answered;
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(failure_mutex);
        if (failure.empty()) failure = e.what();
        stop = true;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  if (!failure.empty()) throw BenchError(failure);
  check_interrupted();
  result.load_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.load_calls = answered;
  result.calls_per_s = static_cast<double>(answered) / result.load_seconds;
}

// Measures one HTTP endpoint already listening at `url`: latency on the first session, then the
// load over `--load-sessions` sessions (the first one included). `after` runs with all still up.
void measure_http(const std::string& url, const Options& options, Result& result,
                  const std::function<void()>& after = {}) {
  std::vector<std::unique_ptr<gatecrash::mcp::StreamableHttpClient>> sessions;
  sessions.push_back(http_client(url));
  open_http_session(*sessions.front());
  http_latency(*sessions.front(), options, result);
  while (static_cast<int>(sessions.size()) < options.load_sessions) {
    sessions.push_back(http_client(url));
    open_http_session(*sessions.back());
  }
  http_throughput(sessions, options, result);
  if (after) after();
}

// Opens `count` sessions (initialize + one call each) and keeps every client, and so its
// connection and session, open until the returned vector goes.
std::vector<std::unique_ptr<gatecrash::mcp::StreamableHttpClient>> open_sessions(
    const std::string& url, int count) {
  std::vector<std::unique_ptr<gatecrash::mcp::StreamableHttpClient>> clients;
  for (int i = 0; i < count; ++i) {
    check_interrupted();
    auto client = http_client(url);
    open_http_session(*client);
    http_call(*client, "session " + std::to_string(i + 1));
    clients.push_back(std::move(client));
  }
  return clients;
}

// ---- targets -----------------------------------------------------------------------------

struct Bench {
  Options options;
  TempDir temp;
  std::string policy;
  std::string servers;
  std::string loopback_shim;
  RssReport rss;
  std::vector<Result> results;

  explicit Bench(Options o) : options(std::move(o)), temp(options.keep_temp) {}

  bool wanted(const std::string& name) const {
    return options.targets.empty() ||
           std::find(options.targets.begin(), options.targets.end(), name) != options.targets.end();
  }

  std::vector<std::string> mock_argv(const std::string& ledger_name) const {
    return {options.mock, "--catalog", "prometheus", "--ledger", temp.file(ledger_name)};
  }

  // Allows only the bench's tool under default deny, with a limit that is charged on every call
  // and never reached. `fixed`: one counter entry per window, so the gateway's RSS measures the
  // gateway, not a sliding window's history of a million admitted calls (a realistic sliding
  // limit holds at most `max` entries). No --audit: audit off.
  void write_gateway_files() {
    policy = temp.file("policy.json");
    write_file(policy, Json{{"version", "1"},
                            {"description", "bench_gateway: one read-only tool, generous limit"},
                            {"default", "deny"},
                            {"tools",
                             {{kTool,
                               {{"limits",
                                 {{{"counter", "bench_calls"},
                                   {"window", "hour"},
                                   {"window_mode", "fixed"},
                                   {"max", 1'000'000'000},
                                   {"scope", "grant"}}}}}}}}}
                           .dump(2));
    const auto argv = mock_argv("ledger-gateway.jsonl");
    servers = temp.file("servers.json");
    write_file(servers,
               Json{{"mcpServers",
                     {{"prometheus",
                       {{"command", argv[0]},
                        {"args", std::vector<std::string>(argv.begin() + 1, argv.end())}}}}}}
                   .dump(2));
  }

  std::vector<std::string> gateway_argv() const {
    return {options.gateway, "--policy", policy, "--servers", servers};
  }

  // supergateway 4.0.0 has no --host flag and listens on every interface; this preload pins a
  // listen(port[, cb]) without a host to 127.0.0.1.
  void write_loopback_shim() {
    loopback_shim = temp.file("loopback-listen.cjs");
    write_file(
        loopback_shim,
        "// Written by bench_gateway: listen(port) without a host binds 127.0.0.1 only.\n"
        "const net = require('net');\n"
        "const listen = net.Server.prototype.listen;\n"
        "net.Server.prototype.listen = function (...args) {\n"
        "  const port = args[0];\n"
        "  if ((typeof port === 'number' || (typeof port === 'string' && /^\\d+$/.test(port))) &&\n"
        "      typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1');\n"
        "  return listen.apply(this, args);\n"
        "};\n");
  }

  std::string mock_command_line(const std::string& ledger_name) const {
    std::string line;
    for (const auto& word : mock_argv(ledger_name))
      line += (line.empty() ? "" : " ") + shell_quote(word);
    return line;
  }

  // Runs one target: skipped when `missing` is non-empty, failed (not fatal) on an exception.
  void run_target(Result result, const std::string& missing,
                  const std::function<void(Result&)>& body) {
    if (!wanted(result.name)) return;
    std::fprintf(stderr, "bench_gateway: %s (%s)...\n", result.label.c_str(),
                 result.transport.c_str());
    if (!missing.empty()) {
      result.skipped = missing;
    } else {
      try {
        body(result);
      } catch (const std::exception& e) {
        result.failed = e.what();
        if (g_interrupted) {
          results.push_back(std::move(result));
          throw;
        }
      }
    }
    results.push_back(std::move(result));
  }

  static std::string missing_file(const std::string& what, const std::string& path,
                                  const std::string& hint) {
    if (path.empty()) return what + " not given (" + hint + ")";
    if (::access(path.c_str(), R_OK) != 0)
      return what + " not found at " + path + " (" + hint + ")";
    return "";
  }

  std::string missing_node() const {
    const std::string probe = options.node.find('/') == std::string::npos
                                  ? "command -v " + shell_quote(options.node) + " >/dev/null 2>&1"
                                  : "test -x " + shell_quote(options.node);
    return std::system(probe.c_str()) == 0 ? "" : "node not found (" + options.node + ")";
  }

  void run_all() {
    write_gateway_files();
    write_loopback_shim();
    const std::string npm_hint = "run scripts/setup-npm.sh";

    run_target(target("mock-stdio", "gatecrash-mock (direct)", "stdio"), "", [&](Result& r) {
      run_stdio(mock_argv("ledger-mock-stdio.jsonl"), temp.file("mock-stdio.err"), options, r);
    });
    run_target(target("gateway-stdio", "gatecrash-gateway", "stdio"), "", [&](Result& r) {
      run_stdio(gateway_argv(), temp.file("gateway-stdio.err"), options, r, [&](int pid) {
        std::this_thread::sleep_for(kSettle);
        rss.gateway_after_stdio_kib = rss_kib(pid);
      });
    });
    run_target(target("mock-http", "gatecrash-mock (direct)", "http"), "",
               [&](Result& r) { run_mock_http(r); });
    run_target(target("gateway-http", "gatecrash-gateway", "http"), "",
               [&](Result& r) { run_gateway_http(r); });

    std::string missing = missing_file("supergateway", options.supergateway_js, npm_hint);
    if (missing.empty()) missing = missing_node();
    const std::string sg_label = package_label(options.supergateway_js);
    run_target(target("supergateway", sg_label.empty() ? "supergateway" : sg_label, "http"),
               missing, [&](Result& r) { run_supergateway(r); });

    missing = missing_file("mcp-proxy", options.mcp_proxy_js, npm_hint);
    if (missing.empty()) missing = missing_node();
    const std::string mp_label = package_label(options.mcp_proxy_js);
    run_target(target("mcp-proxy", mp_label.empty() ? "mcp-proxy" : mp_label, "http"), missing,
               [&](Result& r) { run_mcp_proxy(r); });
  }

  std::unique_ptr<gatecrash::mcp::ChildProcess> spawn(std::vector<std::string> argv,
                                                      const std::string& stderr_path) {
    gatecrash::mcp::ChildOptions child_options;
    child_options.argv = std::move(argv);
    child_options.stderr_path = stderr_path;
    return gatecrash::mcp::ChildProcess::spawn(child_options);
  }

  // A child that writes its URL to a ready file (the mock and the gateway, port 0).
  std::string await_ready_file(gatecrash::mcp::ChildProcess& child, const std::string& what,
                               const std::string& ready, const std::string& stderr_path) {
    std::string url;
    wait_until(child, what, stderr_path, [&] { return !(url = first_line(ready)).empty(); });
    return url;
  }

  void run_mock_http(Result& r) {
    const std::string ready = temp.file("mock-http.url");
    const std::string err = temp.file("mock-http.err");
    auto argv = mock_argv("ledger-mock-http.jsonl");
    argv.insert(argv.end(),
                {"--transport", "http", "--listen", "127.0.0.1:0", "--ready-file", ready});
    auto child = spawn(argv, err);
    measure_http(await_ready_file(*child, "gatecrash-mock --transport http", ready, err), options,
                 r);
    child->terminate();
  }

  void run_gateway_http(Result& r) {
    const std::string ready = temp.file("gateway-http.url");
    const std::string err = temp.file("gateway-http.err");
    auto argv = gateway_argv();
    // Room for the measuring session, the 100 kept open, and a margin.
    const std::string max_sessions = std::to_string(options.sessions + options.load_sessions + 16);
    argv.insert(argv.end(), {"--listen", "127.0.0.1:0", "--ready-file", ready,
                             "--max-sessions-per-identity", max_sessions});
    auto child = spawn(argv, err);
    const std::string url = await_ready_file(*child, "gatecrash-gateway --listen", ready, err);
    measure_http(url, options, r, [&] {
      std::this_thread::sleep_for(kSettle);
      rss.gateway_http_after_load_kib = rss_kib(child->pid());
      auto kept_open = open_sessions(url, options.sessions);
      rss.sessions_opened = static_cast<int>(kept_open.size());
      std::this_thread::sleep_for(kSettle);
      rss.gateway_http_after_sessions_kib = rss_kib(child->pid());
    });
    child->terminate();
  }

  // A bridge told a fixed port: ready once that port accepts a connection.
  void run_bridge(Result& r, std::vector<std::string> argv, int port, const std::string& err) {
    auto child = spawn(std::move(argv), err);
    wait_until(*child, r.label, err, [&] { return port_accepts(port); });
    measure_http("http://127.0.0.1:" + std::to_string(port) + "/mcp", options, r);
    child->terminate();
  }

  // Stateful Streamable HTTP: one mock per session (so --load-sessions 1 by default).
  void run_supergateway(Result& r) {
    const int port = free_loopback_port();
    run_bridge(
        r,
        {options.node, "--require", loopback_shim, options.supergateway_js, "--stdio",
         mock_command_line("ledger-supergateway.jsonl"), "--outputTransport", "streamableHttp",
         "--stateful", "--port", std::to_string(port), "--logLevel", "none"},
        port, temp.file("supergateway.err"));
  }

  // One upstream mock shared by every session; the stream endpoint only, no resumability store.
  void run_mcp_proxy(Result& r) {
    const int port = free_loopback_port();
    std::vector<std::string> argv = {
        options.node,         options.mcp_proxy_js, "--host", "127.0.0.1",       "--port",
        std::to_string(port), "--server",           "stream", "--no-eventStore", "--"};
    const auto mock = mock_argv("ledger-mcp-proxy.jsonl");
    argv.insert(argv.end(), mock.begin(), mock.end());
    run_bridge(r, std::move(argv), port, temp.file("mcp-proxy.err"));
  }
};

// ---- report ------------------------------------------------------------------------------

const Result* find(const std::vector<Result>& results, const std::string& name) {
  for (const auto& result : results) {
    if (result.name == name && result.measured()) return &result;
  }
  return nullptr;
}

std::string why_missing(const std::vector<Result>& results, const std::string& name) {
  for (const auto& result : results) {
    if (result.name == name) return result.skipped.empty() ? "failed" : "skipped";
  }
  return "not run";
}

struct Ratios {
  std::optional<double> stdio_overhead_us;
  std::optional<double> http_overhead_us;
  std::optional<double> vs_supergateway;
  std::optional<double> vs_mcp_proxy;
};

Ratios ratios_of(const std::vector<Result>& results) {
  Ratios ratios;
  const auto* mock_stdio = find(results, "mock-stdio");
  const auto* gateway_stdio = find(results, "gateway-stdio");
  const auto* mock_http = find(results, "mock-http");
  const auto* gateway_http = find(results, "gateway-http");
  const auto* supergateway = find(results, "supergateway");
  const auto* mcp_proxy = find(results, "mcp-proxy");
  if (mock_stdio && gateway_stdio)
    ratios.stdio_overhead_us = gateway_stdio->p50_us - mock_stdio->p50_us;
  if (mock_http && gateway_http) ratios.http_overhead_us = gateway_http->p50_us - mock_http->p50_us;
  if (gateway_http && supergateway)
    ratios.vs_supergateway = gateway_http->calls_per_s / supergateway->calls_per_s;
  if (gateway_http && mcp_proxy)
    ratios.vs_mcp_proxy = gateway_http->calls_per_s / mcp_proxy->calls_per_s;
  return ratios;
}

void print_report(const Bench& bench) {
  const auto& results = bench.results;
  const auto& options = bench.options;
  std::printf(
      "\ntools/call %s {} on gatecrash-mock --catalog prometheus; latency: %d sequential calls "
      "after %d "
      "warm-up; throughput: %d in flight (http: over %d session%s), up to %d calls or %.0f s\n",
      kTool, options.latency_calls, options.warmup, options.in_flight, options.load_sessions,
      options.load_sessions == 1 ? "" : "s", options.load_calls, options.load_seconds);
  std::printf("%-28s %-9s %10s %10s %12s\n", "target", "transport", "p50 us", "p99 us", "calls/s");
  for (const auto& r : results) {
    if (!r.skipped.empty()) {
      std::printf("%-28s %-9s skipped: %s\n", r.label.c_str(), r.transport.c_str(),
                  r.skipped.c_str());
    } else if (!r.failed.empty()) {
      std::printf("%-28s %-9s FAILED: %s\n", r.label.c_str(), r.transport.c_str(),
                  r.failed.c_str());
    } else {
      std::printf("%-28s %-9s %10.1f %10.1f %12.0f\n", r.label.c_str(), r.transport.c_str(),
                  r.p50_us, r.p99_us, r.calls_per_s);
    }
  }
  const Ratios ratios = ratios_of(results);
  const auto line = [&](const char* what, const std::optional<double>& value, const char* format,
                        const std::string& needs) {
    std::printf("%-56s ", what);
    if (value) {
      std::printf(format, *value);
      std::printf("\n");
    } else {
      std::printf("n/a (%s)\n", needs.c_str());
    }
  };
  std::printf("\n");
  line("gateway p50 overhead vs direct mock, stdio:", ratios.stdio_overhead_us, "%+.1f us",
       "mock-stdio " + why_missing(results, "mock-stdio") + " or gateway-stdio " +
           why_missing(results, "gateway-stdio"));
  line("gateway p50 overhead vs direct mock, http:", ratios.http_overhead_us, "%+.1f us",
       "mock-http " + why_missing(results, "mock-http") + " or gateway-http " +
           why_missing(results, "gateway-http"));
  line("gateway / supergateway throughput (http):", ratios.vs_supergateway, "%.2fx",
       "supergateway " + why_missing(results, "supergateway"));
  line("gateway / mcp-proxy throughput (http):", ratios.vs_mcp_proxy, "%.2fx",
       "mcp-proxy " + why_missing(results, "mcp-proxy"));
  const auto& rss = bench.rss;
  const auto kib = [](long value) {
    return value < 0 ? std::string("n/a") : std::to_string(value) + " KiB";
  };
  std::printf("%-56s %s\n", "gatecrash-gateway RSS after the stdio run:",
              kib(rss.gateway_after_stdio_kib).c_str());
  std::printf("%-56s %s\n", "gatecrash-gateway RSS after the http load:",
              kib(rss.gateway_http_after_load_kib).c_str());
  const std::string sessions_label = "gatecrash-gateway RSS with " +
                                     std::to_string(rss.sessions_opened) +
                                     " more http sessions open:";
  std::printf("%-56s %s", sessions_label.c_str(), kib(rss.gateway_http_after_sessions_kib).c_str());
  if (rss.sessions_opened > 0 && rss.gateway_http_after_load_kib >= 0 &&
      rss.gateway_http_after_sessions_kib >= 0) {
    const double per_session =
        static_cast<double>(rss.gateway_http_after_sessions_kib - rss.gateway_http_after_load_kib) /
        rss.sessions_opened;
    std::printf(" (%+.1f KiB per session)", per_session);
  }
  std::printf("\n");
  std::fflush(stdout);
}

Json optional_json(const std::optional<double>& value) {
  return value ? Json(*value) : Json(nullptr);
}

void write_json(const Bench& bench, const std::string& path) {
  Json targets = Json::array();
  for (const auto& r : bench.results) {
    Json entry = {{"name", r.name}, {"label", r.label}, {"transport", r.transport}};
    if (!r.skipped.empty()) {
      entry["skipped"] = r.skipped;
    } else if (!r.failed.empty()) {
      entry["failed"] = r.failed;
    } else {
      entry.update({{"p50_us", r.p50_us},
                    {"p99_us", r.p99_us},
                    {"latency_samples", r.latency_samples},
                    {"calls_per_s", r.calls_per_s},
                    {"load_calls", r.load_calls},
                    {"load_seconds", r.load_seconds}});
    }
    targets.push_back(std::move(entry));
  }
  const Ratios ratios = ratios_of(bench.results);
  const auto& o = bench.options;
  const auto kib = [](long value) { return value < 0 ? Json(nullptr) : Json(value); };
  const Json report = {
      {"tool", kTool},
      {"catalog", "prometheus"},
      {"config",
       {{"warmup", o.warmup},
        {"latency_calls", o.latency_calls},
        {"in_flight", o.in_flight},
        {"load_calls", o.load_calls},
        {"load_seconds", o.load_seconds},
        {"load_sessions", o.load_sessions},
        {"http_load",
         "in_flight threads, each with its own client and connection, spread over load_sessions "
         "sessions"},
        {"stdio_load", "one session, pipelined, refilled in batches of in_flight/8"}}},
      {"targets", targets},
      {"ratios",
       {{"gateway_stdio_p50_overhead_us", optional_json(ratios.stdio_overhead_us)},
        {"gateway_http_p50_overhead_us", optional_json(ratios.http_overhead_us)},
        {"gateway_over_supergateway_throughput", optional_json(ratios.vs_supergateway)},
        {"gateway_over_mcp_proxy_throughput", optional_json(ratios.vs_mcp_proxy)}}},
      {"rss_kib",
       {{"gateway_after_stdio_run", kib(bench.rss.gateway_after_stdio_kib)},
        {"gateway_http_after_load", kib(bench.rss.gateway_http_after_load_kib)},
        {"gateway_http_after_sessions", kib(bench.rss.gateway_http_after_sessions_kib)},
        {"sessions_opened", bench.rss.sessions_opened}}}};
  write_file(path, report.dump(2) + "\n");
}

// Reaps what killed bridges left behind and was handed to us as subreaper: anything still a
// child of ours once every ChildProcess is gone gets SIGKILL after 1 s; gives up after 3 s.
void reap_adopted() {
  const auto start = Clock::now();
  bool killed = false;
  while (Clock::now() - start < 3s) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) continue;
    if (pid < 0) return;  // ECHILD: nothing left
    if (!killed && Clock::now() - start > 1s) {
      for (const auto& entry : fs::directory_iterator("/proc")) {
        const std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream stat(entry.path() / "stat");
        std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
        const auto close = text.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(text.substr(close + 1));
        std::string state;
        int ppid = 0;
        rest >> state >> ppid;
        if (ppid == ::getpid()) ::kill(std::stoi(name), SIGKILL);
      }
      killed = true;
    }
    std::this_thread::sleep_for(20ms);
  }
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGINT, on_interrupt);
  ::signal(SIGTERM, on_interrupt);
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);

  Options options;
  CLI::App app{
      "gatecrash-gateway beside the direct mock, supergateway and mcp-proxy: latency, throughput, "
      "RSS"};
  app.add_option("--gateway", options.gateway, "path of gatecrash-gateway")->required();
  app.add_option("--mock", options.mock, "path of gatecrash-mock")->required();
  app.add_option("--node", options.node, "node binary for the npm bridges");
  app.add_option("--supergateway", options.supergateway_js,
                 "supergateway's dist/index.js (skipped when absent)");
  app.add_option("--mcp-proxy", options.mcp_proxy_js,
                 "mcp-proxy's dist/bin/mcp-proxy.mjs (skipped when absent)");
  app.add_option("--json", options.json_path, "also write the results as JSON to this file");
  app.add_option("--targets", options.targets,
                 "only these (comma-separated): mock-stdio, gateway-stdio, mock-http, "
                 "gateway-http, supergateway, mcp-proxy")
      ->delimiter(',')
      ->check(CLI::IsMember({"mock-stdio", "gateway-stdio", "mock-http", "gateway-http",
                             "supergateway", "mcp-proxy"}));
  app.add_option("--warmup", options.warmup, "calls before the latency samples")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--latency-calls", options.latency_calls, "sequential calls sampled")
      ->check(CLI::PositiveNumber);
  app.add_option("--latency-seconds", options.latency_seconds, "bound of the latency loop")
      ->check(CLI::PositiveNumber);
  app.add_option("--load-calls", options.load_calls, "calls per throughput run")
      ->check(CLI::PositiveNumber);
  app.add_option("--load-seconds", options.load_seconds, "bound of a throughput run")
      ->check(CLI::PositiveNumber);
  app.add_option("--in-flight", options.in_flight, "requests in flight during throughput runs")
      ->check(CLI::Range(1, 1024));
  app.add_option(
         "--load-sessions", options.load_sessions,
         "HTTP sessions the in-flight threads are spread over (supergateway: one mock each)")
      ->check(CLI::Range(1, 1024));
  app.add_option("--sessions", options.sessions, "HTTP sessions opened for the gateway's RSS")
      ->check(CLI::Range(0, 10000));
  app.add_flag("--keep-temp", options.keep_temp,
               "keep the temp dir (configs, ledgers, children's stderr)");
  CLI11_PARSE(app, argc, argv);
  // Absolute: the servers file and supergateway's shell command name them from elsewhere.
  for (std::string* path :
       {&options.gateway, &options.mock, &options.supergateway_js, &options.mcp_proxy_js}) {
    if (!path->empty()) *path = fs::absolute(*path).string();
  }

  int status = 0;
  {
    std::unique_ptr<Bench> bench;
    try {
      bench = std::make_unique<Bench>(options);
      if (options.keep_temp)
        std::fprintf(stderr, "bench_gateway: temp dir %s\n", bench->temp.path().c_str());
      bench->run_all();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench_gateway: %s\n", e.what());
      status = 1;
    }
    if (bench) {
      print_report(*bench);
      for (const auto& r : bench->results) status |= r.failed.empty() ? 0 : 1;
      if (!options.json_path.empty()) {
        try {
          write_json(*bench, options.json_path);
          std::fprintf(stderr, "bench_gateway: wrote %s\n", options.json_path.c_str());
        } catch (const std::exception& e) {
          std::fprintf(stderr, "bench_gateway: %s\n", e.what());
          status = 1;
        }
      }
    }
  }
  reap_adopted();
  return status;
}
