// fuzz/replay_main.cc — runs a fuzz target on stored inputs without libFuzzer (the replay ctests).
//
// Usage: <unit>_fuzzer_replay [-rss_limit_mb=N] [--optional] PATH [[--optional] PATH...]
// Each PATH is a file or a directory whose regular files are inputs (not recursive; dotfiles and
// README* are documentation, not inputs). Files are replayed in name order, each from a heap
// buffer of exactly its size, as libFuzzer does, so a sanitizer build sees the same overreads.
// A PATH must exist and hold at least one input unless `--optional` precedes it.
// Memory is bounded as libFuzzer bounds it: an input that raises the peak RSS above
// -rss_limit_mb (default 2048, libFuzzer's default) fails the replay. So that such an input cannot
// take the machine's memory first, the address space is capped at the limit plus 2 GB, except
// under ASan, whose shadow needs a huge address space; there ASan's hard_rss_limit_mb stops it.
// Exit codes: 0 all replayed, 1 a required PATH missing, empty or unreadable, or an input over the
// memory limit, 2 usage error. A crash (abort, sanitizer report) ends the process; the input being
// replayed is named first.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define GATECRASH_REPLAY_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GATECRASH_REPLAY_UNDER_ASAN 1
#endif
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

#ifdef GATECRASH_REPLAY_UNDER_ASAN
// Twice libFuzzer's default RSS limit: the replay's own check reports anything above 2048 MB.
extern "C" const char* __asan_default_options() { return "hard_rss_limit_mb=4096"; }
#endif

namespace {

namespace fs = std::filesystem;

constexpr long kDefaultRssLimitMb = 2048;
long rss_limit_mb = kDefaultRssLimitMb;

// The input being replayed, for the crash handler (which may only call async-signal-safe code).
char current_input[4096];

constexpr int kCrashSignals[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};
struct sigaction previous_actions[std::size(kCrashSignals)];

// Async-signal-safe; nothing useful can be done if stderr is gone.
void write_to_stderr(const char* text) {
  const ssize_t written = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)written;
}

// Names the input, puts back the handler that was there before (a sanitizer's, or the default)
// and returns: a fault then happens again and abort() raises again, and that handler reports it
// with the original context.
void name_crashing_input(int signal_number) {
  write_to_stderr("replay: crashed on input ");
  write_to_stderr(current_input);
  write_to_stderr("\n");
  for (std::size_t i = 0; i < std::size(kCrashSignals); ++i) {
    if (kCrashSignals[i] == signal_number) sigaction(signal_number, &previous_actions[i], nullptr);
  }
}

void install_crash_handlers() {
  for (std::size_t i = 0; i < std::size(kCrashSignals); ++i) {
    struct sigaction action {};
    action.sa_handler = name_crashing_input;
    sigaction(kCrashSignals[i], &action, &previous_actions[i]);
  }
}

void cap_address_space() {
#ifndef GATECRASH_REPLAY_UNDER_ASAN
  struct rlimit cap {};
  // Headroom over the RSS limit, so an input over it still gets there (and is reported) before
  // an allocation fails and the target perhaps swallows the std::bad_alloc.
  cap.rlim_cur = cap.rlim_max = static_cast<rlim_t>(rss_limit_mb + 2048) * 1024 * 1024;
  if (setrlimit(RLIMIT_AS, &cap) != 0) std::perror("replay: setrlimit(RLIMIT_AS)");
#endif
}

long peak_rss_mb() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;  // kilobytes on Linux
}

bool is_input_name(const fs::path& path) {
  const std::string name = path.filename().string();
  return !name.empty() && name.front() != '.' && name.rfind("README", 0) != 0;
}

bool read_file(const fs::path& path, std::vector<char>& bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

// Runs the target on one file; false when it cannot be read. Ends the process with exit code 1
// when the input pushed the peak RSS over the limit (the peak never comes down, so later inputs
// could not be judged).
bool replay_file(const fs::path& path) {
  std::vector<char> bytes;
  if (!read_file(path, bytes)) {
    std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
    return false;
  }
  std::snprintf(current_input, sizeof current_input, "%s", path.c_str());
  // An exact-size heap copy: reading one byte past the input is a bug ASan should see.
  auto buffer = std::make_unique<std::uint8_t[]>(bytes.size());
  std::copy(bytes.begin(), bytes.end(), buffer.get());
  LLVMFuzzerTestOneInput(buffer.get(), bytes.size());
  current_input[0] = '\0';
  if (const long peak = peak_rss_mb(); peak > rss_limit_mb) {
    std::fprintf(stderr, "replay: input %s raised the peak RSS to %ld MB, over -rss_limit_mb=%ld\n",
                 path.c_str(), peak, rss_limit_mb);
    std::printf("SUMMARY: out of memory on %s\n", path.c_str());
    std::exit(1);
  }
  return true;
}

// Replays every input under `path`; returns how many ran, or -1 on an unreadable path.
long replay_path(const fs::path& path) {
  std::error_code error;
  if (fs::is_regular_file(path, error)) return replay_file(path) ? 1 : -1;
  if (!fs::is_directory(path, error)) return -1;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(path, error), end; !error && it != end; it.increment(error)) {
    if (it->is_regular_file(error) && is_input_name(it->path())) files.push_back(it->path());
  }
  if (error) return -1;
  std::sort(files.begin(), files.end());
  long ran = 0;
  for (const auto& file : files) {
    if (!replay_file(file)) return -1;
    ++ran;
  }
  return ran;
}

int usage(const char* program) {
  std::fprintf(stderr, "usage: %s [-rss_limit_mb=N] [--optional] PATH [[--optional] PATH...]\n",
               program);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& arg : args) {
    if (arg.rfind("-rss_limit_mb=", 0) != 0) continue;
    char* end = nullptr;
    rss_limit_mb = std::strtol(arg.c_str() + std::strlen("-rss_limit_mb="), &end, 10);
    if (*end != '\0' || rss_limit_mb <= 0) return usage(argv[0]);
  }
  cap_address_space();
  install_crash_handlers();

  long total = 0;
  int status = 0;
  bool optional = false;
  bool any_path = false;
  for (const auto& arg : args) {
    if (arg == "--optional") {
      optional = true;
      continue;
    }
    if (arg.rfind("-rss_limit_mb=", 0) == 0) continue;
    if (arg.rfind("-", 0) == 0) {
      std::fprintf(stderr, "replay: unknown option %s\n", arg.c_str());
      return usage(argv[0]);
    }
    any_path = true;
    const long ran = replay_path(arg);
    if (ran > 0) {
      std::printf("replay: %ld inputs from %s\n", ran, arg.c_str());
      total += ran;
    } else if (optional && ran == 0) {
      std::printf("replay: no inputs in %s (optional)\n", arg.c_str());
    } else if (optional && !fs::exists(arg)) {
      std::printf("replay: %s does not exist (optional)\n", arg.c_str());
    } else {
      std::fprintf(stderr, "replay: %s is %s\n", arg.c_str(),
                   ran == 0 ? "empty" : "missing or unreadable");
      status = 1;
    }
    optional = false;
  }
  if (!any_path) return usage(argv[0]);
  std::printf("SUMMARY: replayed %ld inputs%s\n", total, status == 0 ? "" : " (some paths failed)");
  return status;
}
