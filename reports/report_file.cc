// reports/report_file.cc — the all-or-nothing report file write.
#include "reports/report_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace gatecrash::reports {
namespace {

[[noreturn]] void fail(const std::string& path, const char* what, int error) {
  throw ReportError("cannot write report " + path + ": " + what + ": " + std::strerror(error));
}

}  // namespace

void write_report_file(const std::string& path, std::string_view text) {
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (file == nullptr) fail(path, "open", errno);
  const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  const int write_error = errno;
  if (std::fclose(file) != 0 || !written) {
    const int error = written ? errno : write_error;
    std::remove(temporary.c_str());
    fail(path, "write", error);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    std::remove(temporary.c_str());
    fail(path, "rename", error);
  }
}

}  // namespace gatecrash::reports
