// mock_servers/serve_http.cc — HTTP serving loop of gatecrash-mock with signal-driven shutdown.
#include "mock_servers/serve_http.h"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "mcp/http_server.h"

namespace gatecrash::mock {

int serve_http(const std::string& listen, const std::string& ready_file,
               const HandlerFactory& make_handler, TransportHooks* hooks,
               mcp::FrameDecoder decoder) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    std::cerr << "gatecrash-mock: --listen must be HOST:PORT, got '" << listen << "'\n";
    return 2;
  }
  mcp::HttpServerOptions options;
  options.bind_address = listen.substr(0, colon);
  options.decoder = std::move(decoder);
  try {
    const int port = std::stoi(listen.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::out_of_range("port");
    options.port = static_cast<std::uint16_t>(port);
  } catch (const std::exception&) {
    std::cerr << "gatecrash-mock: bad port in --listen '" << listen << "'\n";
    return 2;
  }

  // Block the stop signals in every thread (the server's threads inherit the mask) so that
  // only sigwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  mcp::StreamableHttpServer server(options, [&make_handler](const std::string& session_id) {
    return make_handler("http:" + session_id);
  });
  if (hooks) {
    // A delayed answer waits on a timer, never on the strand every session shares.
    hooks->run_after = [&server](std::chrono::milliseconds delay, std::function<void()> fn) {
      server.post_after(delay, std::move(fn));
    };
    hooks->notify_all = [&server](const std::string& method) { server.notify_all(method); };
  }
  try {
    server.start();
  } catch (const std::exception& e) {
    std::cerr << "gatecrash-mock: cannot listen on " << listen << ": " << e.what() << "\n";
    return 2;
  }
  const std::string url = server.url();
  std::cerr << "gatecrash-mock: listening on " << url << std::endl;
  if (!ready_file.empty()) {
    const std::string temp = ready_file + ".tmp";
    std::ofstream(temp) << url << "\n";
    std::rename(temp.c_str(), ready_file.c_str());
  }
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.stop();
  if (hooks) *hooks = TransportHooks{};  // they point at `server`, which is about to go
  return 0;
}

}  // namespace gatecrash::mock
