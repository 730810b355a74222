#include "trainer/monitor.hpp"

#include <sys/resource.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <fstream>

#include "kernels/common/error.hpp"

namespace accmt {

Monitor Monitor::from_yaml(const std::string& text) {
  const char* const valid =
      "learning_rate, train_loss, validation_loss, additional_metrics, grad_norm, gpu_utilization, cpu_utilization";
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error(std::string("monitor: not a valid YAML map: ") + e.what());
  }
  ACCMT_CHECK(root.IsMap(), "monitor: expected a map of flags (", valid, "), got '", text, "'");
  Monitor m;
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    bool* flag = key == "learning_rate"        ? &m.learning_rate
                 : key == "train_loss"         ? &m.train_loss
                 : key == "validation_loss"    ? &m.validation_loss
                 : key == "additional_metrics" ? &m.additional_metrics
                 : key == "grad_norm"          ? &m.grad_norm
                 : key == "gpu_utilization"    ? &m.gpu_utilization
                 : key == "cpu_utilization"    ? &m.cpu_utilization
                                               : nullptr;
    ACCMT_CHECK(flag != nullptr, "monitor: unknown key '", key, "'; valid keys: ", valid);
    const std::string v = kv.second.IsScalar() ? kv.second.Scalar() : "";
    ACCMT_CHECK(v == "true" || v == "false" || v == "True" || v == "False", "monitor: '", key,
                "' must be true or false, got '", v, "'");
    *flag = v == "true" || v == "True";
  }
  return m;
}

double process_rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return double(pages_resident) * double(::sysconf(_SC_PAGESIZE));
}

double process_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

}  // namespace accmt
