// gateway/main.cc — gatecrash-gateway: command line, startup, signals, shutdown.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "gateway/audit.h"
#include "gateway/config.h"
#include "gateway/front_http.h"
#include "gateway/front_stdio.h"
#include "gateway/gateway.h"
#include "policy/load.h"

namespace net = boost::asio;
using namespace gatecrash;
using namespace gatecrash::gateway;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitIo = 1;
constexpr int kExitConfig = 2;

struct Flags {
  std::string policy;
  std::string servers;
  std::string listen;
  std::string grants;
  std::string identity;
  std::string audit;
  std::string tool_names = "{tool}";
  std::string ready_file;
  std::string counters;
  unsigned http_threads = 1;
  std::size_t max_message_bytes = 0;
  std::size_t max_depth = 0;
  std::size_t max_sessions_per_identity = 0;
  std::size_t max_in_flight = 0;
  long upstream_timeout_ms = 0;
  long startup_timeout_ms = 0;
  long approval_timeout_ms = 0;
};

int refuse_config(const std::string& text) {
  std::cerr << "gatecrash-gateway: " << text << (text.ends_with('\n') ? "" : "\n");
  return kExitConfig;
}

// "127.0.0.1:8080" -> host and port; the host may be "[::1]".
std::optional<std::pair<std::string, std::uint16_t>> parse_listen(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  const std::string port_text = text.substr(colon + 1);
  if (port_text.empty() || port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const unsigned long port = std::stoul(port_text);
  if (port > 65535) return std::nullopt;
  return std::make_pair(text.substr(0, colon), static_cast<std::uint16_t>(port));
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a dead upstream or client must not kill the gateway

  Flags flags;
  CLI::App app{"gatecrash-gateway: a policy-enforcing MCP gateway (the gatecrash reference gateway)"};
  app.add_option("--policy", flags.policy, "policy file (.json native, .yaml/.yml Intercept-style)")->required();
  app.add_option("--servers", flags.servers, "servers file in the mcpServers format")->required();
  app.add_option("--listen", flags.listen, "serve Streamable HTTP on HOST:PORT (e.g. 127.0.0.1:8080); default stdio");
  app.add_option("--grants", flags.grants, "HTTP: bearer tokens and their identities (JSON)");
  app.add_option("--identity", flags.identity,
                 "stdio: the client's identity (default: $GATECRASH_IDENTITY, else \"anonymous\"); "
                 "HTTP without --grants: every session's identity");
  app.add_option("--audit", flags.audit, "append one JSON line per decision to this file");
  app.add_option("--tool-names", flags.tool_names, "how upstream tools are exposed: \"{tool}\" or e.g. \"{server}__{tool}\"");
  app.add_option("--counters", flags.counters,
                 "share rate-limit counters with every gateway process given the same file "
                 "(one gateway per stdio session, or HTTP replicas)");
  app.add_option("--ready-file", flags.ready_file, "HTTP: write the URL here once listening");
  app.add_option("--http-threads", flags.http_threads, "HTTP I/O threads")->check(CLI::Range(1u, 64u));
  app.add_option("--max-message-bytes", flags.max_message_bytes, "largest client message (default 4 MiB)");
  app.add_option("--max-depth", flags.max_depth, "deepest JSON nesting accepted (default 64)");
  app.add_option("--max-sessions-per-identity", flags.max_sessions_per_identity, "HTTP sessions per identity (default 64)");
  app.add_option("--max-in-flight", flags.max_in_flight, "tools/call requests in flight per session (default 256)");
  app.add_option("--upstream-timeout-ms", flags.upstream_timeout_ms, "per forwarded request (default 30000)");
  app.add_option("--startup-timeout-ms", flags.startup_timeout_ms, "for every upstream to be ready (default 15000)");
  app.add_option("--approval-timeout-ms", flags.approval_timeout_ms, "for the client to answer an approval (default 120000)");
  app.set_version_flag("--version", "gatecrash-gateway 0.1.0");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitConfig;
  }

  GatewayOptions options;
  options.policy_path = flags.policy;
  options.counters_path = flags.counters;
  auto& limits = options.limits;
  if (flags.max_message_bytes) limits.protocol.max_message_bytes = flags.max_message_bytes;
  if (flags.max_depth) limits.protocol.max_nesting_depth = flags.max_depth;
  if (flags.max_sessions_per_identity) limits.max_sessions_per_identity = flags.max_sessions_per_identity;
  if (flags.max_in_flight) limits.max_in_flight_per_session = flags.max_in_flight;
  if (flags.upstream_timeout_ms > 0) limits.upstream_timeout = std::chrono::milliseconds(flags.upstream_timeout_ms);
  if (flags.startup_timeout_ms > 0) limits.startup_timeout = std::chrono::milliseconds(flags.startup_timeout_ms);
  if (flags.approval_timeout_ms > 0) limits.approval_timeout = std::chrono::milliseconds(flags.approval_timeout_ms);
  auto naming = ToolNaming::parse(flags.tool_names);
  if (!naming) {
    return refuse_config(std::string(config_error::kBadFlag) + " --tool-names: \"" + flags.tool_names +
                        "\" must contain {tool}");
  }
  options.naming = *naming;
  std::optional<std::pair<std::string, std::uint16_t>> listen;
  if (!flags.listen.empty()) {
    listen = parse_listen(flags.listen);
    if (!listen) {
      return refuse_config(std::string(config_error::kBadFlag) + " --listen: \"" + flags.listen +
                          "\" is not HOST:PORT (e.g. 127.0.0.1:8080)");
    }
  }
  std::string identity = flags.identity;
  if (identity.empty()) {
    const char* env = std::getenv("GATECRASH_IDENTITY");
    identity = env && *env ? env : "anonymous";
  }

  auto loaded = policy::load_policy_file(flags.policy);
  if (!loaded.ok()) return refuse_config("invalid policy:\n" + loaded.error_text());
  auto servers = load_servers_file(flags.servers);
  if (!servers.ok()) return refuse_config("invalid servers file:\n" + error_lines(servers.errors));
  options.servers = std::move(servers.servers);
  std::optional<Grants> grants;
  if (!flags.grants.empty()) {
    auto loaded_grants = load_grants_file(flags.grants);
    if (!loaded_grants.ok()) return refuse_config("invalid grants file:\n" + error_lines(loaded_grants.errors));
    grants = std::move(loaded_grants.grants);
  } else if (listen) {
    std::cerr << "gatecrash-gateway: no --grants: every HTTP session acts as identity \"" << identity << "\"\n";
  }

  std::unique_ptr<AuditLog> audit;
  try {
    audit = flags.audit.empty() ? std::make_unique<AuditLog>() : std::make_unique<AuditLog>(flags.audit);
  } catch (const std::exception& e) {
    return refuse_config(e.what());
  }

  net::io_context io;
  int exit_code = kExitOk;
  std::unique_ptr<StdioFront> stdio_front;
  std::unique_ptr<HttpFront> http_front;
  std::unique_ptr<Gateway> gateway;
  try {
    gateway = std::make_unique<Gateway>(io, std::move(options),
                                        std::make_shared<const policy::Policy>(std::move(*loaded.policy)), *audit);
  } catch (const std::exception& e) {
    return refuse_config(e.what());
  }
  bool shutting_down = false;
  auto shutdown = [&](int code) {
    if (shutting_down) return;
    shutting_down = true;
    exit_code = code;
    if (stdio_front) stdio_front->stop();
    if (http_front) http_front->stop();
    gateway->stop([&]() {
      // Answers already produced (e.g. the -32603 of calls failed by the stop) go out first.
      if (stdio_front) stdio_front->flush(std::chrono::seconds(2), [&io]() { io.stop(); });
      else io.stop();
    });
  };

  net::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int signal_number) {
        if (ec) return;
        if (signal_number == SIGHUP) {
          gateway->reload();
          signals.async_wait(on_signal);
          return;
        }
        std::cerr << "gatecrash-gateway: " << (signal_number == SIGINT ? "SIGINT" : "SIGTERM") << ": shutting down\n";
        shutdown(kExitOk);
      };
  signals.async_wait(on_signal);

  gateway->start([&](std::optional<ConfigError> error) {
    if (shutting_down) return;
    if (error) {
      std::cerr << "gatecrash-gateway: " << error->text() << "\n";
      shutdown(kExitConfig);
      return;
    }
    if (!listen) {
      stdio_front = std::make_unique<StdioFront>(io, *gateway, identity, STDIN_FILENO, STDOUT_FILENO);
      stdio_front->start([&](int status) { shutdown(status == 0 ? kExitOk : kExitIo); });
      return;
    }
    HttpFrontOptions front_options;
    front_options.host = listen->first;
    front_options.port = listen->second;
    front_options.grants = grants;
    front_options.default_identity = identity;
    front_options.threads = flags.http_threads;
    http_front = std::make_unique<HttpFront>(*gateway, std::move(front_options));
    try {
      http_front->start();
    } catch (const std::exception& e) {
      std::cerr << "gatecrash-gateway: " << config_error::kBadFlag << " --listen: " << e.what() << "\n";
      shutdown(kExitConfig);
      return;
    }
    std::cerr << "gatecrash-gateway: listening on " << http_front->url() << "\n";
    if (!flags.ready_file.empty()) {
      std::ofstream ready(flags.ready_file + ".tmp");
      ready << http_front->url() << "\n";
      ready.close();
      std::rename((flags.ready_file + ".tmp").c_str(), flags.ready_file.c_str());
    }
  });

  io.run();

  if (stdio_front) stdio_front->drain(std::chrono::seconds(2));
  if (http_front) http_front->stop();
  gateway.reset();  // upstreams already stopped and reaped; this releases what is left
  stdio_front.reset();
  http_front.reset();
  return exit_code;
}
