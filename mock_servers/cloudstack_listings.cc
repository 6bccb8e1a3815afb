// mock_servers/cloudstack_listings.cc — CloudStack's read tools, answered from the inventory.
#include "mock_servers/cloudstack_listings.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "mock_servers/civil_time.h"

namespace gatecrash::mock::cloudstack {
namespace {

using nlohmann::json;
constexpr std::int64_t kBytesPerGiB = 1024LL * 1024 * 1024;
constexpr std::int64_t kMillisPerHour = 3'600'000;

// True when the filter argument `key` is absent or equals `actual` (case-insensitively).
bool wanted(const json& arguments, std::string_view key, std::string_view actual) {
  auto filter = string_arg(arguments, key);
  return !filter || same_text(*filter, actual);
}

bool wanted_number(const json& arguments, std::string_view key, std::int64_t actual) {
  if (!arguments.contains(key) || arguments[std::string(key)].is_null()) return true;
  auto filter = integer_arg(arguments, key);
  return filter && *filter == actual;
}

bool wanted_flag(const json& arguments, std::string_view key, bool actual) {
  if (!arguments.contains(key) || arguments[std::string(key)].is_null()) return true;
  return bool_arg(arguments, key, actual) == actual;
}

bool contains_text(std::string_view haystack, std::string_view needle) {
  auto found = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                           [](char a, char b) {
                             return std::tolower(static_cast<unsigned char>(a)) ==
                                    std::tolower(static_cast<unsigned char>(b));
                           });
  return found != haystack.end();
}

ToolOutcome listing(const std::string& noun, const std::string& key, json items) {
  std::string text = items.empty() ? "No " + noun + " found."
                                   : "Found " + std::to_string(items.size()) + " " + noun + ":\n";
  for (const json& item : items) text += "\n" + describe(item);
  json structured = {{"count", items.size()}, {key, std::move(items)}};
  return text_and_json_result(std::move(text), std::move(structured));
}

// A time window [from, to] from "YYYY-MM-DD" (whole days) or full timestamps.
struct Window {
  std::int64_t from_ms, to_ms;
};
std::optional<Window> window(const json& arguments, std::string* problem) {
  Window result{std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()};
  for (const char* key : {"startdate", "enddate"}) {
    auto text = string_arg(arguments, key);
    if (!text) continue;
    auto parsed = parse_time_ms(*text);
    if (!parsed) {
      *problem = "CloudStack API error 431: unable to parse date '" + *text + "' for " + key +
                 "; use yyyy-MM-dd";
      return std::nullopt;
    }
    if (std::string_view(key) == "startdate")
      result.from_ms = *parsed;
    else
      result.to_ms = *parsed + (text->size() == 10 ? kMillisPerDay - 1 : 0);
  }
  if (result.from_ms > result.to_ms) {
    *problem = "CloudStack API error 431: startdate must not be after enddate";
    return std::nullopt;
  }
  return result;
}

std::string percent(std::int64_t used, std::int64_t total) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f",
                total == 0 ? 0.0 : 100.0 * static_cast<double>(used) / static_cast<double>(total));
  return text;
}

const ServiceOffering* offering_of(const Inventory& inv, const Vm& vm) {
  for (const ServiceOffering& offering : inv.service_offerings) {
    if (offering.id == vm.serviceofferingid) return &offering;
  }
  return nullptr;
}

ToolOutcome list_virtual_machines(const Inventory& inv, const json& a) {
  json items = json::array();
  auto keyword = string_arg(a, "keyword");
  for (const Vm& vm : inv.vms) {
    if (!wanted(a, "zoneid", vm.zoneid) || !wanted(a, "state", vm.state)) continue;
    if (keyword && !contains_text(vm.name, *keyword) && !contains_text(vm.displayname, *keyword))
      continue;
    items.push_back(view(inv, vm));
  }
  return listing("virtual machines", "virtualmachine", std::move(items));
}

ToolOutcome get_virtual_machine(const Inventory& inv, const json& a) {
  std::string id = string_arg(a, "id").value_or("");
  for (const Vm& vm : inv.vms) {
    if (vm.id == id) {
      json item = view(inv, vm);
      return text_and_json_result("Virtual machine details:\n" + describe(item),
                                  {{"virtualmachine", item}});
    }
  }
  return not_found("virtual machine", id);
}

ToolOutcome list_virtual_machine_metrics(const Inventory& inv, const json& a) {
  json items = json::array();
  for (const Vm& vm : inv.vms) {
    if (!wanted(a, "zoneid", vm.zoneid) || !wanted(a, "id", vm.id)) continue;
    const ServiceOffering* offering = offering_of(inv, vm);
    bool running = vm.state == "Running";
    std::uint64_t noise = stable_hash(vm.id + vm.name, static_cast<std::uint64_t>(vm.created_ms));
    json item = {{"id", vm.id}, {"name", vm.name}, {"state", vm.state}};
    item["cpuused"] =
        running ? percent(static_cast<std::int64_t>(noise % 9000) + 100, 10000) + "%" : "0.00%";
    item["memorykbs"] = offering ? offering->memory * 1024 : 0;
    item["memoryintfreekbs"] =
        running && offering ? offering->memory * 1024 * static_cast<int>(noise % 60 + 20) / 100 : 0;
    item["networkkbsread"] = running ? static_cast<std::int64_t>(noise % 5'000'000) : 0;
    item["networkkbswrite"] = running ? static_cast<std::int64_t>((noise >> 20) % 2'000'000) : 0;
    item["diskioread"] = running ? static_cast<std::int64_t>((noise >> 10) % 900'000) : 0;
    item["diskiowrite"] = running ? static_cast<std::int64_t>((noise >> 30) % 400'000) : 0;
    items.push_back(std::move(item));
  }
  return listing("virtual machine metrics", "virtualmachine", std::move(items));
}

ToolOutcome list_volumes(const Inventory& inv, const json& a) {
  json items = json::array();
  for (const Volume& volume : inv.volumes) {
    if (!wanted(a, "virtualmachineid", volume.virtualmachineid) ||
        !wanted(a, "zoneid", volume.zoneid) || !wanted(a, "type", volume.type)) {
      continue;
    }
    items.push_back(view(inv, volume));
  }
  return listing("volumes", "volume", std::move(items));
}

ToolOutcome list_snapshots(const Inventory& inv, const json& a) {
  json items = json::array();
  for (const Snapshot& snapshot : inv.snapshots) {
    if (!wanted(a, "volumeid", snapshot.volumeid) ||
        !wanted(a, "intervaltype", snapshot.intervaltype))
      continue;
    items.push_back({{"id", snapshot.id},
                     {"name", snapshot.name},
                     {"volumeid", snapshot.volumeid},
                     {"intervaltype", snapshot.intervaltype},
                     {"state", snapshot.state},
                     {"created", cloudstack_time(snapshot.created_ms)}});
  }
  return listing("snapshots", "snapshot", std::move(items));
}

ToolOutcome list_networks(const Inventory& inv, const json& a) {
  json items = json::array();
  for (const Network& network : inv.networks) {
    if (!wanted(a, "zoneid", network.zoneid) || !wanted(a, "type", network.type) ||
        !wanted_flag(a, "isdefault", network.isdefault)) {
      continue;
    }
    items.push_back({{"id", network.id},
                     {"name", network.name},
                     {"displaytext", network.displaytext},
                     {"zoneid", network.zoneid},
                     {"type", network.type},
                     {"state", network.state},
                     {"gateway", network.gateway},
                     {"netmask", network.netmask},
                     {"networkofferingid", network.networkofferingid},
                     {"isdefault", network.isdefault}});
  }
  return listing("networks", "network", std::move(items));
}

ToolOutcome list_public_ip_addresses(const Inventory& inv, const json& a) {
  bool allocated_only = bool_arg(a, "allocatedonly", true);
  json items = json::array();
  for (const PublicIp& ip : inv.public_ips) {
    if (allocated_only && ip.state == "Free") continue;
    if (!wanted(a, "zoneid", ip.zoneid) || !wanted_flag(a, "isstaticnat", ip.isstaticnat)) continue;
    items.push_back(view(inv, ip));
  }
  return listing("public IP addresses", "publicipaddress", std::move(items));
}

ToolOutcome list_load_balancer_rules(const Inventory& inv, const json& a) {
  json items = json::array();
  for (const LoadBalancerRule& rule : inv.load_balancer_rules) {
    if (!wanted(a, "publicipid", rule.publicipid) || !wanted(a, "zoneid", rule.zoneid)) continue;
    items.push_back({{"id", rule.id},
                     {"name", rule.name},
                     {"publicipid", rule.publicipid},
                     {"zoneid", rule.zoneid},
                     {"algorithm", rule.algorithm},
                     {"publicport", rule.publicport},
                     {"privateport", rule.privateport},
                     {"state", "Active"}});
  }
  return listing("load balancer rules", "loadbalancerrule", std::move(items));
}

ToolOutcome list_events(const Inventory& inv, const json& a) {
  std::string problem;
  auto range = window(a, &problem);
  if (!range) return tool_error(problem);
  json items = json::array();
  for (auto event = inv.events.rbegin(); event != inv.events.rend(); ++event) {  // newest first
    if (!wanted(a, "level", event->level) || !wanted(a, "type", event->type)) continue;
    if (event->created_ms < range->from_ms || event->created_ms > range->to_ms) continue;
    items.push_back(view(*event));
  }
  return listing("events", "event", std::move(items));
}

ToolOutcome list_alerts(const Inventory& inv, const json& a) {
  json items = json::array();
  for (const Alert& alert : inv.alerts) {
    if (!wanted(a, "type", alert.type)) continue;
    items.push_back({{"id", alert.id},
                     {"type", alert.type},
                     {"subject", alert.subject},
                     {"sent", cloudstack_time(alert.sent_ms)}});
  }
  return listing("alerts", "alert", std::move(items));
}

ToolOutcome list_capacity(const Inventory& inv, const json& a) {
  json items = json::array();
  for (const Zone& zone : inv.zones) {
    if (!wanted(a, "zoneid", zone.id)) continue;
    std::int64_t totals[9] = {}, used[9] = {};
    for (const Host& host : inv.hosts) {
      if (host.zoneid != zone.id) continue;
      totals[0] += host.memory_gb * kBytesPerGiB;
      totals[1] += host.cpucores * 2000LL;
    }
    for (const Vm& vm : inv.vms) {
      const ServiceOffering* offering = offering_of(inv, vm);
      if (vm.zoneid != zone.id || vm.state != "Running" || offering == nullptr) continue;
      used[0] += offering->memory * 1024LL * 1024;
      used[1] += static_cast<std::int64_t>(offering->cpunumber) * offering->cpuspeed;
    }
    for (const StoragePool& pool : inv.storage_pools)
      totals[2] += pool.zoneid == zone.id ? pool.capacity_gb * kBytesPerGiB : 0;
    for (const Volume& volume : inv.volumes)
      used[2] += volume.zoneid == zone.id ? volume.size_gb * kBytesPerGiB : 0;
    for (const PublicIp& ip : inv.public_ips) {
      if (ip.zoneid != zone.id) continue;
      totals[8] += 1;
      used[8] += ip.state == "Free" ? 0 : 1;
    }
    static constexpr std::pair<int, const char*> kKinds[] = {
        {0, "MEMORY"}, {1, "CPU"}, {2, "STORAGE"}, {8, "PUBLIC_IP"}};
    for (auto [type, name] : kKinds) {
      if (!wanted_number(a, "type", type)) continue;
      items.push_back({{"zoneid", zone.id},
                       {"zonename", zone.name},
                       {"type", type},
                       {"name", name},
                       {"capacitytotal", totals[type]},
                       {"capacityused", used[type]},
                       {"percentused", percent(used[type], totals[type])}});
    }
  }
  return listing("capacity entries", "capacity", std::move(items));
}

ToolOutcome list_async_jobs(const Inventory& inv, const json& a) {
  auto keyword = string_arg(a, "keyword");
  json items = json::array();
  for (auto job = inv.jobs.rbegin(); job != inv.jobs.rend(); ++job) {  // newest first
    if (!wanted_number(a, "jobstatus", job->status)) continue;
    if (keyword && !contains_text(job->id, *keyword) && !contains_text(job->cmd, *keyword) &&
        !contains_text(job->instanceid, *keyword) && !contains_text(job->instancetype, *keyword)) {
      continue;
    }
    items.push_back(view(*job));
  }
  return listing("async jobs", "asyncjobs", std::move(items));
}

ToolOutcome list_usage_records(const Inventory& inv, const json& a) {
  std::string problem;
  auto range = window(a, &problem);
  if (!range) return tool_error(problem);
  json items = json::array();
  auto add = [&](int type, const char* name, const std::string& id, std::int64_t created_ms,
                 double share) {
    std::int64_t from = std::max(range->from_ms, created_ms);
    if (from > range->to_ms || !wanted_number(a, "type", type)) return;
    double hours =
        static_cast<double>(range->to_ms - from + 1) / static_cast<double>(kMillisPerHour) * share;
    char raw[32];
    std::snprintf(raw, sizeof raw, "%.6f", hours);
    items.push_back({{"usageid", id},
                     {"usagetype", type},
                     {"description", std::string(name) + " usage of " + id},
                     {"rawusage", raw},
                     {"usage", std::string(raw) + " Hrs"},
                     {"account", "admin"},
                     {"startdate", cloudstack_time(from)},
                     {"enddate", cloudstack_time(range->to_ms)}});
  };
  for (const Vm& vm : inv.vms) {
    add(1, "RUNNING_VM", vm.id, vm.created_ms, vm.state == "Running" ? 1.0 : 0.35);
    add(2, "ALLOCATED_VM", vm.id, vm.created_ms, 1.0);
  }
  for (const PublicIp& ip : inv.public_ips) {
    if (ip.state != "Free")
      add(3, "IP_ADDRESS", ip.id, inventory_epoch_ms() - 30 * kMillisPerDay, 1.0);
  }
  for (const Volume& volume : inv.volumes) add(6, "VOLUME", volume.id, volume.created_ms, 1.0);
  for (const Snapshot& snapshot : inv.snapshots)
    add(9, "SNAPSHOT", snapshot.id, snapshot.created_ms, 1.0);
  return listing("usage records", "usagerecord", std::move(items));
}

ToolOutcome list_zones(const Inventory& inv, const json&) {
  json items = json::array();  // every zone is Enabled, so `available` filters nothing out
  for (const Zone& zone : inv.zones) {
    items.push_back({{"id", zone.id},
                     {"name", zone.name},
                     {"allocationstate", "Enabled"},
                     {"networktype", "Advanced"},
                     {"securitygroupsenabled", false}});
  }
  return listing("zones", "zone", std::move(items));
}

ToolOutcome list_templates(const Inventory& inv, const json& a) {
  static const std::vector<std::string> kFilters = {
      "featured", "self", "selfexecutable", "sharedexecutable", "executable", "community", "all"};
  std::string filter = string_arg(a, "templatefilter").value_or("");
  if (std::find(kFilters.begin(), kFilters.end(), filter) == kFilters.end()) {
    return tool_error(
        "CloudStack API error 431: invalid templatefilter '" + filter +
        "'; use featured, self, selfexecutable, sharedexecutable, executable, community or all");
  }
  json items = json::array();
  for (const Template& image : inv.templates) {
    bool listed = filter == "all" || filter == "executable" || image.filter == filter ||
                  (filter == "selfexecutable" && image.filter == "self");
    if (!listed || !wanted(a, "hypervisor", image.hypervisor)) continue;
    for (const Zone& zone : inv.zones) {
      if (!wanted(a, "zoneid", zone.id)) continue;
      items.push_back({{"id", image.id},
                       {"name", image.name},
                       {"ostypename", image.ostypename},
                       {"hypervisor", image.hypervisor},
                       {"zoneid", zone.id},
                       {"zonename", zone.name},
                       {"isready", true},
                       {"isfeatured", image.filter == "featured"},
                       {"ispublic", image.filter != "self"},
                       {"size", image.size_gb * kBytesPerGiB}});
    }
  }
  return listing("templates", "template", std::move(items));
}

ToolOutcome list_accounts(const Inventory& inv, const json& a) {
  json items = json::array();
  for (const Account& account : inv.accounts) {
    if (!wanted(a, "domainid", account.domainid) || !wanted(a, "state", account.state) ||
        !wanted_number(a, "accounttype", account.accounttype)) {
      continue;
    }
    items.push_back({{"id", account.id},
                     {"name", account.name},
                     {"domainid", account.domainid},
                     {"state", account.state},
                     {"accounttype", account.accounttype}});
  }
  return listing("accounts", "account", std::move(items));
}

ToolOutcome list_users(const Inventory& inv, const json& a) {
  json items = json::array();
  for (const User& user : inv.users) {
    const Account* account = nullptr;
    for (const Account& candidate : inv.accounts)
      account = candidate.id == user.accountid ? &candidate : account;
    if (account == nullptr || !wanted(a, "account", account->name) ||
        !wanted(a, "domainid", account->domainid) || !wanted(a, "state", user.state)) {
      continue;
    }
    items.push_back({{"id", user.id},
                     {"username", user.username},
                     {"firstname", user.firstname},
                     {"lastname", user.lastname},
                     {"email", user.email},
                     {"state", user.state},
                     {"account", account->name},
                     {"accountid", account->id},
                     {"domainid", account->domainid}});
  }
  return listing("users", "user", std::move(items));
}

ToolOutcome list_domains(const Inventory& inv, const json& a) {
  json items = json::array();
  for (const Domain& domain : inv.domains) {
    if (!wanted_number(a, "level", domain.level) || !wanted(a, "name", domain.name)) continue;
    json item = {
        {"id", domain.id}, {"name", domain.name}, {"path", domain.path}, {"level", domain.level}};
    if (!domain.parentid.empty()) item["parentdomainid"] = domain.parentid;
    items.push_back(std::move(item));
  }
  return listing("domains", "domain", std::move(items));
}

ToolOutcome list_hosts(const Inventory& inv, const json& a) {
  json items = json::array();
  for (const Host& host : inv.hosts) {
    if (!wanted(a, "zoneid", host.zoneid) || !wanted(a, "type", host.type) ||
        !wanted(a, "state", host.state) || !wanted(a, "hypervisor", host.hypervisor)) {
      continue;
    }
    items.push_back({{"id", host.id},
                     {"name", host.name},
                     {"zoneid", host.zoneid},
                     {"clusterid", host.clusterid},
                     {"type", host.type},
                     {"state", host.state},
                     {"hypervisor", host.hypervisor},
                     {"ipaddress", host.ipaddress},
                     {"cpunumber", host.cpucores},
                     {"memorytotal", host.memory_gb * kBytesPerGiB}});
  }
  return listing("hosts", "host", std::move(items));
}

ToolOutcome list_clusters(const Inventory& inv, const json& a) {
  json items = json::array();
  for (const Cluster& cluster : inv.clusters) {
    if (!wanted(a, "zoneid", cluster.zoneid) || !wanted(a, "hypervisor", cluster.hypervisor))
      continue;
    items.push_back({{"id", cluster.id},
                     {"name", cluster.name},
                     {"zoneid", cluster.zoneid},
                     {"hypervisortype", cluster.hypervisor},
                     {"allocationstate", "Enabled"}});
  }
  return listing("clusters", "cluster", std::move(items));
}

ToolOutcome list_storage_pools(const Inventory& inv, const json& a) {
  json items = json::array();
  for (const StoragePool& pool : inv.storage_pools) {
    if (!wanted(a, "zoneid", pool.zoneid) || !wanted(a, "clusterid", pool.clusterid)) continue;
    std::int64_t used = 0;
    for (const Volume& volume : inv.volumes)
      used += volume.zoneid == pool.zoneid ? volume.size_gb * kBytesPerGiB : 0;
    items.push_back({{"id", pool.id},
                     {"name", pool.name},
                     {"zoneid", pool.zoneid},
                     {"clusterid", pool.clusterid},
                     {"type", pool.type},
                     {"state", pool.state},
                     {"disksizetotal", pool.capacity_gb * kBytesPerGiB},
                     {"disksizeused", used}});
  }
  return listing("storage pools", "storagepool", std::move(items));
}

ToolOutcome list_system_vms(const Inventory& inv, const json& a) {
  json items = json::array();
  for (const SystemVm& vm : inv.system_vms) {
    if (!wanted(a, "zoneid", vm.zoneid) || !wanted(a, "systemvmtype", vm.systemvmtype) ||
        !wanted(a, "state", vm.state)) {
      continue;
    }
    items.push_back({{"id", vm.id},
                     {"name", vm.name},
                     {"zoneid", vm.zoneid},
                     {"systemvmtype", vm.systemvmtype},
                     {"state", vm.state},
                     {"publicip", vm.publicip}});
  }
  return listing("system VMs", "systemvm", std::move(items));
}

ToolOutcome list_service_offerings(const Inventory& inv, const json& a) {
  bool system = bool_arg(a, "issystem", false);
  auto domain = string_arg(a, "domainid");
  json items = json::array();
  for (const ServiceOffering& offering : inv.service_offerings) {
    if (offering.issystem != system) continue;
    if (domain ? offering.domainid != *domain : !offering.domainid.empty()) continue;
    json item = {{"id", offering.id},
                 {"name", offering.name},
                 {"displaytext", offering.displaytext},
                 {"cpunumber", offering.cpunumber},
                 {"cpuspeed", offering.cpuspeed},
                 {"memory", offering.memory},
                 {"issystem", offering.issystem}};
    if (!offering.domainid.empty()) item["domainid"] = offering.domainid;
    items.push_back(std::move(item));
  }
  return listing("service offerings", "serviceoffering", std::move(items));
}

ToolOutcome list_ssh_key_pairs(const Inventory& inv, const json& a) {
  json items = json::array();
  for (const SshKeyPair& pair : inv.ssh_key_pairs) {
    if (!wanted(a, "name", pair.name) || !wanted(a, "fingerprint", pair.fingerprint)) continue;
    items.push_back({{"name", pair.name}, {"fingerprint", pair.fingerprint}, {"account", "admin"}});
  }
  return listing("SSH key pairs", "sshkeypair", std::move(items));
}

ToolOutcome list_security_groups(const Inventory& inv, const json& a) {
  auto vm_id = string_arg(a, "virtualmachineid");
  const Vm* vm = nullptr;
  for (const Vm& candidate : inv.vms) vm = vm_id && candidate.id == *vm_id ? &candidate : vm;
  if (vm_id && vm == nullptr) return not_found("virtual machine", *vm_id);
  json items = json::array();
  for (const SecurityGroup& group : inv.security_groups) {
    if (!wanted(a, "securitygroupname", group.name)) continue;
    if (vm && std::find(vm->securitygroupids.begin(), vm->securitygroupids.end(), group.id) ==
                  vm->securitygroupids.end()) {
      continue;
    }
    items.push_back(view(group));
  }
  return listing("security groups", "securitygroup", std::move(items));
}

}  // namespace

bool same_text(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

ToolOutcome not_found(std::string_view what, const std::string& id) {
  return tool_error("CloudStack API error 431: unable to find " + std::string(what) + " with id '" +
                    id + "'");
}

std::string describe(const json& item) {
  std::string label;
  for (const char* key : {"name", "username", "ipaddress", "jobid", "subject", "id", "zoneid"}) {
    if (item.contains(key) && label.empty())
      label = item[key].is_string() ? item[key].get<std::string>() : item[key].dump();
  }
  bool has_id = item.contains("id") && item["id"].is_string();
  std::string text =
      "• " + label + (has_id ? " (" + item["id"].get<std::string>() + ")" : "") + "\n";
  for (const auto& [key, value] : item.items()) {
    if (value.is_structured() || key == "id") continue;
    text +=
        "  " + key + ": " + (value.is_string() ? value.get<std::string>() : value.dump()) + "\n";
  }
  return text;
}

const std::vector<NamedReadTool>& read_tools() {
  static const std::vector<NamedReadTool> kTools = {
      {"list_virtual_machines", list_virtual_machines},
      {"get_virtual_machine", get_virtual_machine},
      {"list_virtual_machine_metrics", list_virtual_machine_metrics},
      {"list_volumes", list_volumes},
      {"list_snapshots", list_snapshots},
      {"list_networks", list_networks},
      {"list_public_ip_addresses", list_public_ip_addresses},
      {"list_load_balancer_rules", list_load_balancer_rules},
      {"list_events", list_events},
      {"list_alerts", list_alerts},
      {"list_capacity", list_capacity},
      {"list_async_jobs", list_async_jobs},
      {"list_usage_records", list_usage_records},
      {"list_zones", list_zones},
      {"list_templates", list_templates},
      {"list_accounts", list_accounts},
      {"list_users", list_users},
      {"list_domains", list_domains},
      {"list_hosts", list_hosts},
      {"list_clusters", list_clusters},
      {"list_storage_pools", list_storage_pools},
      {"list_system_vms", list_system_vms},
      {"list_service_offerings", list_service_offerings},
      {"list_ssh_key_pairs", list_ssh_key_pairs},
      {"list_security_groups", list_security_groups},
  };
  return kTools;
}

}  // namespace gatecrash::mock::cloudstack
