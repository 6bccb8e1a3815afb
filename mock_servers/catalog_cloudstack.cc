// mock_servers/catalog_cloudstack.cc — the CloudStack mock: construction, dispatch, VM tools.
#include "mock_servers/catalog_cloudstack.h"

#include <algorithm>
#include <cctype>

#include "mock_servers/cloudstack_listings.h"

namespace gatecrash::mock {
namespace cloudstack {
namespace {

using nlohmann::json;

// The real handler sleeps 2 s between its stop and destroy jobs.
constexpr std::int64_t kDestroyAfterStopMs = 2000;

bool valid_hostname(const std::string& name) {
  if (name.empty() || name.size() > 63 || !std::isalpha(static_cast<unsigned char>(name[0])) ||
      name.back() == '-') {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

bool valid_base64(const std::string& text) {
  if (text.empty() || text.size() % 4 != 0) return false;
  std::size_t padding = text.size() - std::min(text.find_last_not_of('='), text.size() - 1) - 1;
  if (padding > 2) return false;
  return std::all_of(text.begin(), text.end() - static_cast<std::ptrdiff_t>(padding), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
  });
}

std::vector<std::string> split_ids(const std::string& text) {
  std::vector<std::string> ids;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = std::min(text.find(',', start), text.size());
    std::string id = text.substr(start, comma - start);
    id.erase(0, id.find_first_not_of(' '));
    id.erase(id.find_last_not_of(' ') + 1);
    if (!id.empty()) ids.push_back(id);
    start = comma + 1;
  }
  return ids;
}

}  // namespace

CloudStackCatalog::CloudStackCatalog(std::uint64_t seed)
    : CatalogBase("cloudstack", seed),
      inv_(seeded_inventory(random())),
      jobs_(inv_, random(), [this](std::string effect) { record_effect(std::move(effect)); }) {
  for (const NamedReadTool& tool : read_tools()) {
    on(std::string(tool.name),
       [this, run = tool.run](const json& a, std::int64_t) { return run(inv_, a); });
  }
  bind("start_virtual_machine", &CloudStackCatalog::start_vm);
  bind("stop_virtual_machine", &CloudStackCatalog::stop_vm);
  bind("reboot_virtual_machine", &CloudStackCatalog::reboot_vm);
  bind("destroy_virtual_machine", &CloudStackCatalog::destroy_vm);
  bind("deploy_virtual_machine", &CloudStackCatalog::deploy_vm);
  bind("scale_virtual_machine", &CloudStackCatalog::scale_vm);
  bind("migrate_virtual_machine", &CloudStackCatalog::migrate_vm);
  bind("reset_password_virtual_machine", &CloudStackCatalog::reset_password);
  bind("change_service_offering_virtual_machine", &CloudStackCatalog::change_service_offering);
  bind("create_volume", &CloudStackCatalog::create_volume);
  bind("attach_volume", &CloudStackCatalog::attach_volume);
  bind("detach_volume", &CloudStackCatalog::detach_volume);
  bind("resize_volume", &CloudStackCatalog::resize_volume);
  bind("create_snapshot", &CloudStackCatalog::create_snapshot);
  bind("create_network", &CloudStackCatalog::create_network);
  bind("associate_ip_address", &CloudStackCatalog::associate_ip);
  bind("enable_static_nat", &CloudStackCatalog::enable_static_nat);
  bind("create_firewall_rule", &CloudStackCatalog::create_firewall_rule);
  bind("create_ssh_key_pair", &CloudStackCatalog::create_ssh_key_pair);
  bind("create_security_group_rule", &CloudStackCatalog::create_security_group_rule);
}

void CloudStackCatalog::bind(const std::string& name, Tool tool) {
  on(name, [this, tool](const json& a, std::int64_t now) { return (this->*tool)(a, now); });
}

const ServiceOffering* CloudStackCatalog::user_offering(const std::string& id) {
  ServiceOffering* offering = find_by_id(inv_.service_offerings, id);
  return offering && !offering->issystem ? offering : nullptr;
}

std::string CloudStackCatalog::first_host(const std::string& zone_id,
                                          const std::string& except) const {
  for (const Host& host : inv_.hosts) {
    if (host.zoneid == zone_id && host.state == "Up" && host.id != except) return host.id;
  }
  return "";
}

// A check that the VM still exists and is in one of `states`.
std::function<std::string()> CloudStackCatalog::vm_in(const std::string& id,
                                                      std::vector<std::string> states,
                                                      std::string action) {
  return [this, id, states = std::move(states), action = std::move(action)]() -> std::string {
    Vm* target = vm(id);
    if (target == nullptr) return "virtual machine " + id + " no longer exists";
    if (std::find(states.begin(), states.end(), target->state) != states.end()) return "";
    return "unable to " + action + " virtual machine " + id + " in state " + target->state;
  };
}

ToolOutcome CloudStackCatalog::job_reply(const std::string& what, const std::string& job_id,
                                         json extra) {
  extra["jobid"] = job_id;
  return text_and_json_result(what + "\nJob ID: " + job_id, std::move(extra));
}

ToolOutcome CloudStackCatalog::start_vm(const json& a, std::int64_t now) {
  std::string id = arg(a, "id");
  if (!vm(id)) return not_found("virtual machine", id);
  std::string job = jobs_.queue({"org.apache.cloudstack.api.command.user.vm.StartVMCmd",
                                 "VirtualMachine",
                                 id,
                                 "VM.START",
                                 "starting VM " + id,
                                 vm_in(id, {"Stopped"}, "start"),
                                 [this, id] {
                                   Vm* target = vm(id);
                                   target->state = "Running";
                                   target->hostid = first_host(target->zoneid);
                                   return "vm_started:" + id;
                                 },
                                 {}},
                                now);
  return job_reply("Start requested for virtual machine " + id + ".", job, {{"id", id}});
}

ToolOutcome CloudStackCatalog::stop_vm(const json& a, std::int64_t now) {
  std::string id = arg(a, "id");
  if (!vm(id)) return not_found("virtual machine", id);
  bool forced = bool_arg(a, "forced", false);
  std::string job = queue_stop(id, forced, now);
  return job_reply(
      std::string(forced ? "Forced stop" : "Stop") + " requested for virtual machine " + id + ".",
      job, {{"id", id}});
}

std::string CloudStackCatalog::queue_stop(const std::string& id, bool forced, std::int64_t now) {
  return jobs_.queue({"org.apache.cloudstack.api.command.user.vm.StopVMCmd",
                      "VirtualMachine",
                      id,
                      "VM.STOP",
                      std::string(forced ? "force-stopping" : "stopping") + " VM " + id,
                      vm_in(id, {"Running"}, "stop"),
                      [this, id] {
                        Vm* target = vm(id);
                        target->state = "Stopped";
                        target->hostid.clear();
                        return "vm_stopped:" + id;
                      },
                      {}},
                     now);
}

ToolOutcome CloudStackCatalog::reboot_vm(const json& a, std::int64_t now) {
  std::string id = arg(a, "id");
  if (!vm(id)) return not_found("virtual machine", id);
  std::string job = jobs_.queue({"org.apache.cloudstack.api.command.user.vm.RebootVMCmd",
                                 "VirtualMachine",
                                 id,
                                 "VM.REBOOT",
                                 "rebooting VM " + id,
                                 vm_in(id, {"Running"}, "reboot"),
                                 [id] { return "vm_rebooted:" + id; },
                                 {}},
                                now);
  return job_reply("Reboot requested for virtual machine " + id + ".", job, {{"id", id}});
}

ToolOutcome CloudStackCatalog::destroy_vm(const json& a, std::int64_t now) {
  std::string id = arg(a, "id");
  Vm* target = vm(id);
  if (!target) return not_found("virtual machine", id);
  bool expunge = bool_arg(a, "expunge", false);
  std::string text;
  json reply = {{"id", id}};
  std::int64_t not_before = 0;
  if (target->state == "Running") {  // the real handler force-stops first, then waits 2 s
    std::string stop_job = queue_stop(id, /*forced=*/true, now);
    text = "Virtual machine " + id +
           " was running: forced stop requested.\nStop Job ID: " + stop_job + "\n";
    reply["stopjobid"] = stop_job;
    not_before = now + kDestroyAfterStopMs;
  }
  std::vector<std::string> destroyable = {"Running", "Stopped", "Error"};
  if (expunge) destroyable.push_back("Destroyed");
  std::string job = jobs_.queue({"org.apache.cloudstack.api.command.user.vm.DestroyVMCmd",
                                 "VirtualMachine",
                                 id,
                                 expunge ? "VM.EXPUNGE" : "VM.DESTROY",
                                 "destroying VM " + id,
                                 vm_in(id, destroyable, "destroy"),
                                 [this, id, expunge] { return destroy_now(id, expunge); },
                                 {}},
                                now, not_before);
  return job_reply(text + "Destroy" + (expunge ? " with expunge" : "") +
                       " requested for virtual machine " + id + ".",
                   job, reply);
}

std::string CloudStackCatalog::destroy_now(const std::string& id, bool expunge) {
  for (PublicIp& ip : inv_.public_ips) {
    if (ip.virtualmachineid == id) {
      ip.virtualmachineid.clear();
      ip.isstaticnat = false;
    }
  }
  if (!expunge) {
    Vm* target = vm(id);
    target->state = "Destroyed";
    target->hostid.clear();
    return "vm_destroyed:" + id;
  }
  std::erase_if(inv_.volumes,
                [&](const Volume& v) { return v.virtualmachineid == id && v.type == "ROOT"; });
  for (Volume& data : inv_.volumes) {
    if (data.virtualmachineid == id) {
      data.virtualmachineid.clear();
      data.deviceid.reset();
    }
  }
  std::erase_if(inv_.vms, [&](const Vm& v) { return v.id == id; });
  return "vm_destroyed:" + id + ";vm_expunged:" + id;
}

ToolOutcome CloudStackCatalog::deploy_vm(const json& a, std::int64_t now) {
  const ServiceOffering* offering = user_offering(arg(a, "serviceofferingid"));
  if (!offering) return not_found("service offering", arg(a, "serviceofferingid"));
  const Template* image = find_by_id(inv_.templates, arg(a, "templateid"));
  if (!image) return not_found("template", arg(a, "templateid"));
  const Zone* zone = find_by_id(inv_.zones, arg(a, "zoneid"));
  if (!zone) return not_found("zone", arg(a, "zoneid"));
  std::vector<std::string> network_ids = split_ids(arg(a, "networkids"));
  for (const Network& network : inv_.networks) {
    if (network_ids.empty() && network.zoneid == zone->id && network.isdefault)
      network_ids.push_back(network.id);
  }
  std::vector<Network*> networks;
  for (const std::string& id : network_ids) {
    Network* network = find_by_id(inv_.networks, id);
    if (!network) return not_found("network", id);
    if (network->zoneid != zone->id)
      return tool_error("CloudStack API error 431: network " + id + " is not in zone " + zone->id);
    networks.push_back(network);
  }
  std::vector<std::string> groups = split_ids(arg(a, "securitygroupids"));
  if (groups.empty()) groups.push_back("sg-1");
  for (const std::string& id : groups) {
    if (!find_by_id(inv_.security_groups, id)) return not_found("security group", id);
  }
  std::string keypair = arg(a, "keypair");
  if (!keypair.empty() &&
      std::none_of(inv_.ssh_key_pairs.begin(), inv_.ssh_key_pairs.end(),
                   [&](const SshKeyPair& pair) { return pair.name == keypair; })) {
    return tool_error("CloudStack API error 431: no SSH key pair named '" + keypair + "'");
  }
  auto userdata = string_arg(a, "userdata");
  if (userdata && !valid_base64(*userdata))
    return tool_error("CloudStack API error 431: userdata is not valid base64");
  std::string id = inv_.new_id("vm");
  std::string name = string_arg(a, "name").value_or(id);
  if (!valid_hostname(name)) {
    return tool_error("CloudStack API error 431: invalid name '" + name +
                      "': use up to 63 letters, digits and hyphens, starting with a letter");
  }
  for (const Vm& existing : inv_.vms) {
    if (existing.name == name && existing.state != "Destroyed") {
      return tool_error("CloudStack API error 431: a virtual machine named '" + name +
                        "' already exists");
    }
  }
  Network& primary = *networks.front();
  std::string address = primary.gateway.substr(0, primary.gateway.rfind('.') + 1) +
                        std::to_string(primary.next_host++);
  inv_.vms.push_back({id, name, string_arg(a, "displayname").value_or(name), zone->id, image->id,
                      offering->id, "", "Starting", primary.id, address, keypair, groups, now,
                      userdata.has_value()});
  std::string job =
      jobs_.queue({"org.apache.cloudstack.api.command.user.vm.DeployVMCmd", "VirtualMachine", id,
                   "VM.CREATE", "deploying VM " + id, vm_in(id, {"Starting"}, "deploy"),
                   [this, id, size = image->size_gb, now] {
                     Vm* target = vm(id);
                     target->state = "Running";
                     target->hostid = first_host(target->zoneid);
                     inv_.volumes.push_back({inv_.new_id("vol"), "ROOT-" + id, target->zoneid,
                                             "ROOT", "Ready", id, "", size, 0, now});
                     return "vm_deployed:" + id;
                   },
                   [this, id] {
                     if (Vm* target = vm(id)) target->state = "Error";
                   }},
                  now);
  return job_reply("Deployment of virtual machine " + name + " started.\nVM ID: " + id, job,
                   {{"id", id}});
}

ToolOutcome CloudStackCatalog::scale_vm(const json& a, std::int64_t now) {
  std::string id = arg(a, "id");
  if (!vm(id)) return not_found("virtual machine", id);
  std::string offering_id = arg(a, "serviceofferingid");
  if (!user_offering(offering_id)) return not_found("service offering", offering_id);
  auto in_state = vm_in(id, {"Running", "Stopped"}, "scale");
  std::string job = jobs_.queue(
      {"org.apache.cloudstack.api.command.user.vm.ScaleVMCmd",
       "VirtualMachine",
       id,
       "VM.UPGRADE",
       "scaling VM " + id + " to " + offering_id,
       [this, id, offering_id, in_state] {
         std::string problem = in_state();
         if (problem.empty() && vm(id)->serviceofferingid == offering_id) {
           problem = "virtual machine " + id + " already uses service offering " + offering_id;
         }
         return problem;
       },
       [this, id, offering_id] {
         vm(id)->serviceofferingid = offering_id;
         return "vm_scaled:" + id;
       },
       {}},
      now);
  return job_reply(
      "Scaling of virtual machine " + id + " to offering " + offering_id + " requested.", job,
      {{"id", id}});
}

ToolOutcome CloudStackCatalog::migrate_vm(const json& a, std::int64_t now) {
  std::string id = arg(a, "virtualmachineid");
  if (!vm(id)) return not_found("virtual machine", id);
  std::string wanted_host = arg(a, "hostid");
  if (!wanted_host.empty() && !find_by_id(inv_.hosts, wanted_host))
    return not_found("host", wanted_host);
  auto running = vm_in(id, {"Running"}, "migrate");
  auto target_host = [this, id, wanted_host] {
    Vm* target = vm(id);
    return wanted_host.empty() ? first_host(target->zoneid, target->hostid) : wanted_host;
  };
  std::string job = jobs_.queue({"org.apache.cloudstack.api.command.admin.vm.MigrateVMCmd",
                                 "VirtualMachine",
                                 id,
                                 "VM.MIGRATE",
                                 "migrating VM " + id,
                                 [this, id, running, target_host] {
                                   std::string problem = running();
                                   if (!problem.empty()) return problem;
                                   std::string host_id = target_host();
                                   const Host* host = find_by_id(inv_.hosts, host_id);
                                   if (!host || host->zoneid != vm(id)->zoneid)
                                     return std::string("no suitable host in the VM's zone");
                                   if (host_id == vm(id)->hostid)
                                     return "virtual machine " + id + " already runs on " + host_id;
                                   return std::string();
                                 },
                                 [this, id, target_host] {
                                   std::string host_id = target_host();
                                   vm(id)->hostid = host_id;
                                   return "vm_migrated:" + id + ":" + host_id;
                                 },
                                 {}},
                                now);
  return job_reply("Migration of virtual machine " + id + " requested.", job, {{"id", id}});
}

ToolOutcome CloudStackCatalog::reset_password(const json& a, std::int64_t now) {
  std::string id = arg(a, "id");
  if (!vm(id)) return not_found("virtual machine", id);
  std::string job = jobs_.queue({"org.apache.cloudstack.api.command.user.vm.ResetVMPasswordCmd",
                                 "VirtualMachine",
                                 id,
                                 "VM.RESETPASSWORD",
                                 "resetting the password of VM " + id,
                                 vm_in(id, {"Stopped"}, "reset the password of"),
                                 [this, id] {
                                   vm(id)->password_reset = true;
                                   return "vm_password_reset:" + id;
                                 },
                                 {}},
                                now);
  return job_reply("Password reset requested for virtual machine " + id + ".", job, {{"id", id}});
}

// Synchronous in CloudStack; the real tool still prints a job id, which reads "undefined".
ToolOutcome CloudStackCatalog::change_service_offering(const json& a, std::int64_t now) {
  std::string id = arg(a, "id");
  Vm* target = vm(id);
  if (!target) return not_found("virtual machine", id);
  std::string offering_id = arg(a, "serviceofferingid");
  if (!user_offering(offering_id)) return not_found("service offering", offering_id);
  if (target->state != "Stopped") {
    return tool_error("CloudStack API error 431: virtual machine " + id + " is " + target->state +
                      "; stop it before changing its service offering");
  }
  if (target->serviceofferingid == offering_id) {
    return tool_error("CloudStack API error 431: virtual machine " + id +
                      " already uses service offering " + offering_id);
  }
  target->serviceofferingid = offering_id;
  log_event(inv_, "VM.UPGRADE", "INFO",
            "changed the service offering of VM " + id + " to " + offering_id, "Completed", now);
  record_effect("vm_service_offering_changed:" + id);
  return text_and_json_result("Service offering of virtual machine " + id + " changed to " +
                                  offering_id + ".\nJob ID: undefined",
                              {{"virtualmachine", view(inv_, *target)}});
}

}  // namespace cloudstack

std::unique_ptr<Catalog> make_cloudstack_catalog(std::uint64_t seed) {
  auto catalog = std::make_unique<cloudstack::CloudStackCatalog>(seed);
  catalog->check_complete();
  return catalog;
}

}  // namespace gatecrash::mock
