// bench/stdio_throughput.cc — tools/call per second over stdio: gatecrash-mock vs server-everything.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <algorithm>
#include <deque>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>

#include "mcp/child_process.h"
#include "mcp/client_session.h"

namespace {

using gatecrash::mcp::Json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Target {
  std::string label;
  std::vector<std::string> argv;
  std::string tool;
  Json arguments;
};

long rss_kib(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

double sequential(gatecrash::mcp::ClientSession& client, const Target& target, int calls) {
  const Json params = {{"name", target.tool}, {"arguments", target.arguments}};
  const auto start = Clock::now();
  for (int i = 0; i < calls; ++i) client.call("tools/call", params);
  return calls / std::chrono::duration<double>(Clock::now() - start).count();
}

// Keeps up to `window` requests in flight, refilling in batches of window/2 sent with one write,
// the way a pipelining client (or a gateway multiplexing many clients) drives a server.
double pipelined(gatecrash::mcp::ClientSession& client, const Target& target, int calls, int window) {
  const Json params = {{"name", target.tool}, {"arguments", target.arguments}};
  std::deque<gatecrash::mcp::RequestId> in_flight;
  int sent = 0;
  const int refill = std::max(window / 2, 1);
  const auto start = Clock::now();
  while (sent < calls || !in_flight.empty()) {
    if (sent < calls && static_cast<int>(in_flight.size()) <= window - refill) {
      const int batch = std::min(refill, calls - sent);
      for (auto& id : client.send_requests("tools/call", params, static_cast<std::size_t>(batch))) {
        in_flight.push_back(std::move(id));
      }
      sent += batch;
    }
    client.await_answer(in_flight.front());
    in_flight.pop_front();
  }
  return calls / std::chrono::duration<double>(Clock::now() - start).count();
}

void run(const Target& target, int calls, int window) {
  gatecrash::mcp::ChildOptions options;
  options.argv = target.argv;
  options.stderr_path = "/dev/null";
  auto child = gatecrash::mcp::ChildProcess::spawn(options);
  gatecrash::mcp::ClientSession client(*child, 30s);
  client.initialize();
  std::this_thread::sleep_for(200ms);
  const long idle_rss = rss_kib(child->pid());
  sequential(client, target, calls / 10);  // warm-up
  const double seq = sequential(client, target, calls / 2);
  const double pipe = pipelined(client, target, calls, window);
  std::printf("%-28s %12.0f %16.0f %12ld\n", target.label.c_str(), seq, pipe, idle_rss);
  child->terminate();
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  std::string mock;
  std::string everything;
  std::string ledger = "/dev/null";
  int calls = 20000;
  int window = 64;
  CLI::App app{"tools/call throughput over stdio, side by side"};
  app.add_option("--mock", mock, "path of gatecrash-mock")->required();
  app.add_option("--everything", everything, "path of mcp-server-everything (optional peer)");
  app.add_option("--ledger", ledger, "ledger file for the mock");
  app.add_option("--calls", calls, "calls per pipelined measurement");
  app.add_option("--in-flight", window, "requests kept in flight");
  CLI11_PARSE(app, argc, argv);

  std::printf("%-28s %12s %16s %12s\n", "server", "seq calls/s", "pipelined calls/s", "idle RSS KiB");
  try {
    run({"gatecrash-mock (mock-mcp)", {mock, "--catalog", "mock-mcp", "--ledger", ledger}, "get_status", Json::object()},
        calls, window);
    if (!everything.empty()) {
      // Node is ~50x slower per call: fewer calls keep the run short.
      run({"server-everything (echo)", {everything, "stdio"}, "echo", Json{{"message", "hi"}}},
          std::max(calls / 20, 200), window);
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_stdio_throughput: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
