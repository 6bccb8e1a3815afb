// mock_servers/catalog_cloudstack.h — the CloudStack catalog class, shared by two tool files.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mock_servers/catalog_base.h"
#include "mock_servers/cloudstack_inventory.h"
#include "mock_servers/cloudstack_jobs.h"

namespace gatecrash::mock::cloudstack {

// Read tools answer from the inventory (cloudstack_listings.cc); VM tools live in
// catalog_cloudstack.cc, storage, network and security tools in catalog_cloudstack_network.cc.
// Most write tools queue an async job (cloudstack_jobs.h) and change the inventory when it is due.
class CloudStackCatalog final : public CatalogBase {
 public:
  explicit CloudStackCatalog(std::uint64_t seed);

 private:
  using json = nlohmann::json;
  using Tool = ToolOutcome (CloudStackCatalog::*)(const json&, std::int64_t);
  void bind(const std::string& name, Tool tool);
  void advance_to(std::int64_t now_ms) override { jobs_.run_due(now_ms); }

  // Lookups and shared checks.
  Vm* vm(const std::string& id) { return find_by_id(inv_.vms, id); }
  Volume* volume(const std::string& id) { return find_by_id(inv_.volumes, id); }
  static std::string arg(const json& a, std::string_view key) {
    return string_arg(a, key).value_or("");
  }
  const ServiceOffering* user_offering(const std::string& id);
  std::string first_host(const std::string& zone_id, const std::string& except = "") const;
  // A job check: the VM still exists and is in one of `states`.
  std::function<std::string()> vm_in(const std::string& id, std::vector<std::string> states,
                                     std::string action);
  static ToolOutcome job_reply(const std::string& what, const std::string& job_id,
                               json extra = json::object());

  // VM tools.
  ToolOutcome start_vm(const json& a, std::int64_t now);
  ToolOutcome stop_vm(const json& a, std::int64_t now);
  std::string queue_stop(const std::string& id, bool forced, std::int64_t now);
  ToolOutcome reboot_vm(const json& a, std::int64_t now);
  ToolOutcome destroy_vm(const json& a, std::int64_t now);
  std::string destroy_now(const std::string& id, bool expunge);
  ToolOutcome deploy_vm(const json& a, std::int64_t now);
  ToolOutcome scale_vm(const json& a, std::int64_t now);
  ToolOutcome migrate_vm(const json& a, std::int64_t now);
  ToolOutcome reset_password(const json& a, std::int64_t now);
  ToolOutcome change_service_offering(const json& a, std::int64_t now);

  // Storage, network and security tools.
  static std::optional<std::int64_t> volume_size(const json& a, std::string_view key);
  ToolOutcome create_volume(const json& a, std::int64_t now);
  ToolOutcome attach_volume(const json& a, std::int64_t now);
  ToolOutcome detach_volume(const json& a, std::int64_t now);
  ToolOutcome resize_volume(const json& a, std::int64_t now);
  ToolOutcome create_snapshot(const json& a, std::int64_t now);
  ToolOutcome create_network(const json& a, std::int64_t now);
  ToolOutcome associate_ip(const json& a, std::int64_t now);
  ToolOutcome enable_static_nat(const json& a, std::int64_t now);
  static std::optional<std::string> port_rule_problem(const json& a, std::string& protocol,
                                                      bool allow_all);
  ToolOutcome create_firewall_rule(const json& a, std::int64_t now);
  ToolOutcome create_security_group_rule(const json& a, std::int64_t now);
  ToolOutcome create_ssh_key_pair(const json& a, std::int64_t now);

  Inventory inv_;
  JobQueue jobs_;  // refers to inv_, so declared after it
};

}  // namespace gatecrash::mock::cloudstack
