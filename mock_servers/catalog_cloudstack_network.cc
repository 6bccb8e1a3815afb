// mock_servers/catalog_cloudstack_network.cc — CloudStack storage, network, security tools.
#include <algorithm>
#include <cctype>

#include "mock_servers/catalog_cloudstack.h"
#include "mock_servers/cloudstack_listings.h"

namespace gatecrash::mock::cloudstack {
namespace {

// Sizes beyond a petabyte and odd device ids are refused rather than overflowed.
constexpr std::int64_t kMaxVolumeGb = 1'000'000;
constexpr std::int64_t kMaxDeviceId = 1000;

}  // namespace

using nlohmann::json;

std::optional<std::int64_t> CloudStackCatalog::volume_size(const json& a, std::string_view key) {
  auto value = integer_arg(a, key);
  return value && *value > 0 && *value <= kMaxVolumeGb ? value : std::nullopt;
}

ToolOutcome CloudStackCatalog::create_volume(const json& a, std::int64_t now) {
  const DiskOffering* offering = find_by_id(inv_.disk_offerings, arg(a, "diskofferingid"));
  if (!offering) return not_found("disk offering", arg(a, "diskofferingid"));
  const Zone* zone = find_by_id(inv_.zones, arg(a, "zoneid"));
  if (!zone) return not_found("zone", arg(a, "zoneid"));
  std::int64_t size = offering->disksize;
  if (offering->iscustomized) {
    auto custom = volume_size(a, "size");
    if (!custom) {
      return tool_error("CloudStack API error 431: disk offering " + offering->id +
                        " needs a size from 1 to " + std::to_string(kMaxVolumeGb) + " GB");
    }
    size = *custom;
  }
  std::string id = inv_.new_id("vol");
  inv_.volumes.push_back({id, arg(a, "name"), zone->id, "DATADISK", "Creating", "", offering->id,
                          size, std::nullopt, now});
  std::string job =
      jobs_.queue({"org.apache.cloudstack.api.command.user.volume.CreateVolumeCmd", "Volume", id,
                   "VOLUME.CREATE", "creating volume " + id, [] { return std::string(); },
                   [this, id] {
                     volume(id)->state = "Allocated";
                     return "volume_created:" + id;
                   },
                   [this, id] {
                     if (Volume* disk = volume(id)) disk->state = "Error";
                   }},
                  now);
  return job_reply("Creation of volume " + arg(a, "name") + " started.\nVolume ID: " + id, job,
                   {{"id", id}});
}

ToolOutcome CloudStackCatalog::attach_volume(const json& a, std::int64_t now) {
  std::string id = arg(a, "id");
  std::string vm_id = arg(a, "virtualmachineid");
  if (!volume(id)) return not_found("volume", id);
  if (!vm(vm_id)) return not_found("virtual machine", vm_id);
  auto device = integer_arg(a, "deviceid");
  if (a.contains("deviceid") && (!device || *device < 1 || *device > kMaxDeviceId)) {
    return tool_error("CloudStack API error 431: deviceid must be a whole number from 1 to " +
                      std::to_string(kMaxDeviceId));
  }
  auto vm_ok = vm_in(vm_id, {"Running", "Stopped"}, "attach a volume to");
  std::string job =
      jobs_.queue({"org.apache.cloudstack.api.command.user.volume.AttachVolumeCmd",
                   "Volume",
                   id,
                   "VOLUME.ATTACH",
                   "attaching volume " + id + " to VM " + vm_id,
                   [this, id, vm_id, vm_ok] {
                     Volume* disk = volume(id);
                     if (!disk) return "volume " + id + " no longer exists";
                     if (disk->type != "DATADISK")
                       return std::string("only data disks can be attached");
                     if (!disk->virtualmachineid.empty())
                       return "volume " + id + " is already attached to " + disk->virtualmachineid;
                     if (disk->state != "Ready" && disk->state != "Allocated")
                       return "volume " + id + " is in state " + disk->state;
                     std::string problem = vm_ok();
                     if (problem.empty() && vm(vm_id)->zoneid != disk->zoneid)
                       problem = "volume and VM are in different zones";
                     return problem;
                   },
                   [this, id, vm_id, device] {
                     Volume* disk = volume(id);
                     std::int64_t next = 1;
                     for (const Volume& other : inv_.volumes) {
                       if (other.virtualmachineid == vm_id && other.deviceid)
                         next = std::max(next, *other.deviceid + 1);
                     }
                     disk->virtualmachineid = vm_id;
                     disk->deviceid = device.value_or(next);
                     disk->state = "Ready";
                     return "volume_attached:" + id + ":" + vm_id;
                   },
                   {}},
                  now);
  return job_reply("Attachment of volume " + id + " to virtual machine " + vm_id + " requested.",
                   job, {{"id", id}});
}

ToolOutcome CloudStackCatalog::detach_volume(const json& a, std::int64_t now) {
  std::string id = arg(a, "id");
  if (!volume(id)) return not_found("volume", id);
  std::string job =
      jobs_.queue({"org.apache.cloudstack.api.command.user.volume.DetachVolumeCmd",
                   "Volume",
                   id,
                   "VOLUME.DETACH",
                   "detaching volume " + id,
                   [this, id] {
                     Volume* disk = volume(id);
                     if (!disk) return "volume " + id + " no longer exists";
                     if (disk->type == "ROOT")
                       return std::string("the root volume of a VM cannot be detached");
                     if (disk->virtualmachineid.empty()) return "volume " + id + " is not attached";
                     return std::string();
                   },
                   [this, id] {
                     Volume* disk = volume(id);
                     std::string from = disk->virtualmachineid;
                     disk->virtualmachineid.clear();
                     disk->deviceid.reset();
                     return "volume_detached:" + id + ":" + from;
                   },
                   {}},
                  now);
  return job_reply("Detachment of volume " + id + " requested.", job, {{"id", id}});
}

ToolOutcome CloudStackCatalog::resize_volume(const json& a, std::int64_t now) {
  std::string id = arg(a, "id");
  if (!volume(id)) return not_found("volume", id);
  auto size = volume_size(a, "size");
  if (!size)
    return tool_error("CloudStack API error 431: size must be a whole number of GB from 1 to " +
                      std::to_string(kMaxVolumeGb));
  bool shrink_ok = bool_arg(a, "shrinkok", false);
  std::int64_t new_size = *size;
  std::string job =
      jobs_.queue({"org.apache.cloudstack.api.command.user.volume.ResizeVolumeCmd",
                   "Volume",
                   id,
                   "VOLUME.RESIZE",
                   "resizing volume " + id + " to " + std::to_string(new_size) + " GB",
                   [this, id, new_size, shrink_ok] {
                     Volume* disk = volume(id);
                     if (!disk) return "volume " + id + " no longer exists";
                     if (disk->state != "Ready" && disk->state != "Allocated")
                       return "volume " + id + " is in state " + disk->state;
                     if (new_size == disk->size_gb)
                       return "volume " + id + " already has " + std::to_string(new_size) + " GB";
                     if (new_size < disk->size_gb && !shrink_ok)
                       return std::string("shrinking a volume needs shrinkok=true");
                     return std::string();
                   },
                   [this, id, new_size] {
                     volume(id)->size_gb = new_size;
                     return "volume_resized:" + id + ":" + std::to_string(new_size);
                   },
                   {}},
                  now);
  return job_reply("Resize of volume " + id + " requested.", job, {{"id", id}});
}

ToolOutcome CloudStackCatalog::create_snapshot(const json& a, std::int64_t now) {
  std::string volume_id = arg(a, "volumeid");
  if (!volume(volume_id)) return not_found("volume", volume_id);
  std::string id = inv_.new_id("snap");
  inv_.snapshots.push_back({id, string_arg(a, "name").value_or(volume_id + "-" + id), volume_id,
                            "MANUAL", "Creating", now});
  auto snapshot = [this, id] { return find_by_id(inv_.snapshots, id); };
  std::string job =
      jobs_.queue({"org.apache.cloudstack.api.command.user.snapshot.CreateSnapshotCmd", "Snapshot",
                   id, "SNAPSHOT.CREATE", "snapshotting volume " + volume_id,
                   [this, volume_id] {
                     Volume* disk = volume(volume_id);
                     if (!disk) return "volume " + volume_id + " no longer exists";
                     if (disk->state != "Ready")
                       return "volume " + volume_id + " is in state " + disk->state;
                     return std::string();
                   },
                   [snapshot, id] {
                     snapshot()->state = "BackedUp";
                     return "snapshot_created:" + id;
                   },
                   [snapshot] { snapshot()->state = "Error"; }},
                  now);
  return job_reply("Snapshot of volume " + volume_id + " started.\nSnapshot ID: " + id, job,
                   {{"id", id}});
}

// ---- network and security tools ----------------------------------------------------------

ToolOutcome CloudStackCatalog::create_network(const json& a, std::int64_t now) {
  const NetworkOffering* offering = find_by_id(inv_.network_offerings, arg(a, "networkofferingid"));
  if (!offering) return not_found("network offering", arg(a, "networkofferingid"));
  const Zone* zone = find_by_id(inv_.zones, arg(a, "zoneid"));
  if (!zone) return not_found("zone", arg(a, "zoneid"));
  auto gateway = string_arg(a, "gateway");
  auto netmask = string_arg(a, "netmask");
  if (gateway.has_value() != netmask.has_value()) {
    return tool_error("CloudStack API error 431: gateway and netmask must be given together");
  }
  std::string id = inv_.new_id("net");
  std::string subnet = "10.3." + std::to_string(inv_.networks.size() + 1) + ".1";
  inv_.networks.push_back({id, arg(a, "name"), arg(a, "displaytext"), zone->id,
                           offering->guestiptype, "Allocated", gateway.value_or(subnet),
                           netmask.value_or("255.255.255.0"), offering->id, false});
  log_event(inv_, "NETWORK.CREATE", "INFO", "created network " + id, "Completed", now);
  record_effect("network_created:" + id);
  return text_and_json_result(
      "Network " + arg(a, "name") + " created.\nNetwork ID: " + id + "\nJob ID: undefined",
      {{"id", id}, {"zoneid", zone->id}, {"type", offering->guestiptype}});
}

ToolOutcome CloudStackCatalog::associate_ip(const json& a, std::int64_t now) {
  if (auto vpc = string_arg(a, "vpcid")) return not_found("VPC", *vpc);
  std::string network_id = arg(a, "networkid");
  const Network* network = network_id.empty() ? nullptr : find_by_id(inv_.networks, network_id);
  if (!network_id.empty() && !network) return not_found("network", network_id);
  std::string zone_id = network ? network->zoneid : arg(a, "zoneid");
  if (zone_id.empty())
    return tool_error("CloudStack API error 431: give zoneid, networkid or vpcid");
  if (!find_by_id(inv_.zones, zone_id)) return not_found("zone", zone_id);
  PublicIp* free_ip = nullptr;
  for (PublicIp& ip : inv_.public_ips) {
    if (ip.zoneid == zone_id && ip.state == "Free" && !free_ip) free_ip = &ip;
  }
  if (!free_ip) {
    return tool_error(
        "CloudStack API error 533: insufficient address capacity: no free public IP in zone " +
        zone_id);
  }
  free_ip->state = "Allocating";
  free_ip->networkid = network ? network->id : "";
  std::string id = free_ip->id;
  auto ip = [this, id] { return find_by_id(inv_.public_ips, id); };
  std::string job = jobs_.queue(
      {"org.apache.cloudstack.api.command.user.address.AssociateIPAddrCmd", "IpAddress", id,
       "NET.IPASSIGN", "acquiring public IP " + free_ip->address, [] { return std::string(); },
       [ip, id] {
         ip()->state = "Allocated";
         return "ip_allocated:" + id;
       },
       [ip] {
         ip()->state = "Free";
         ip()->networkid.clear();
       }},
      now);
  return job_reply("Public IP " + free_ip->address + " is being acquired.\nIP address ID: " + id,
                   job, {{"id", id}, {"ipaddress", free_ip->address}});
}

ToolOutcome CloudStackCatalog::enable_static_nat(const json& a, std::int64_t now) {
  std::string ip_id = arg(a, "ipaddressid");
  std::string vm_id = arg(a, "virtualmachineid");
  PublicIp* ip = find_by_id(inv_.public_ips, ip_id);
  if (!ip) return not_found("public IP address", ip_id);
  Vm* target = vm(vm_id);
  if (!target) return not_found("virtual machine", vm_id);
  if (ip->state != "Allocated")
    return tool_error("CloudStack API error 431: IP address " + ip_id + " is " + ip->state);
  if (ip->issourcenat)
    return tool_error("CloudStack API error 431: static NAT cannot be enabled on a source NAT IP");
  if (ip->isstaticnat)
    return tool_error("CloudStack API error 431: static NAT is already enabled on " + ip_id);
  if (target->state == "Destroyed" || target->state == "Error") {
    return tool_error("CloudStack API error 431: virtual machine " + vm_id + " is " +
                      target->state);
  }
  if (ip->zoneid != target->zoneid)
    return tool_error("CloudStack API error 431: IP and VM are in different zones");
  if (auto guest_ip = string_arg(a, "vmguestip"); guest_ip && *guest_ip != target->ipaddress) {
    return tool_error("CloudStack API error 431: virtual machine " + vm_id + " has no guest IP " +
                      *guest_ip);
  }
  ip->isstaticnat = true;
  ip->virtualmachineid = vm_id;
  log_event(inv_, "STATICNAT.ENABLE", "INFO",
            "enabled static NAT from " + ip->address + " to VM " + vm_id, "Completed", now);
  record_effect("static_nat_enabled:" + ip_id + ":" + vm_id);
  return text_and_json_result(
      "Static NAT enabled: " + ip->address + " now maps to virtual machine " + vm_id + ".",
      {{"success", true}});
}

// Validates protocol and ports the way CloudStack does for firewall and ingress rules.
std::optional<std::string> CloudStackCatalog::port_rule_problem(const json& a,
                                                                std::string& protocol,
                                                                bool allow_all) {
  std::string lowered = arg(a, "protocol");
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  protocol = lowered;
  if (lowered != "tcp" && lowered != "udp" && lowered != "icmp" &&
      !(allow_all && lowered == "all")) {
    return "CloudStack API error 431: unsupported protocol '" + arg(a, "protocol") + "'";
  }
  auto start = integer_arg(a, "startport");
  auto end = integer_arg(a, "endport");
  bool ported = lowered == "tcp" || lowered == "udp";
  if (ported && !start)
    return std::string("CloudStack API error 431: startport is required for TCP and UDP");
  if ((a.contains("startport") && !start) || (a.contains("endport") && !end)) {
    return std::string("CloudStack API error 431: ports must be whole numbers");
  }
  for (auto port : {start, end}) {
    if (port && (*port < 1 || *port > 65535))
      return std::string("CloudStack API error 431: ports must be between 1 and 65535");
  }
  if (start && end && *start > *end)
    return std::string("CloudStack API error 431: startport must not exceed endport");
  return std::nullopt;
}

ToolOutcome CloudStackCatalog::create_firewall_rule(const json& a, std::int64_t now) {
  std::string ip_id = arg(a, "ipaddressid");
  if (!find_by_id(inv_.public_ips, ip_id)) return not_found("public IP address", ip_id);
  std::string protocol;
  if (auto problem = port_rule_problem(a, protocol, /*allow_all=*/false))
    return tool_error(*problem);
  auto start = integer_arg(a, "startport");
  PortRule rule{inv_.new_id("fw"),
                protocol,
                string_arg(a, "cidrlist").value_or("0.0.0.0/0"),
                "",
                start,
                integer_arg(a, "endport") ? integer_arg(a, "endport") : start};
  auto ip = [this, ip_id] { return find_by_id(inv_.public_ips, ip_id); };
  std::string job = jobs_.queue(
      {"org.apache.cloudstack.api.command.user.firewall.CreateFirewallRuleCmd",
       "FirewallRule",
       rule.id,
       "FIREWALL.OPEN",
       "opening " + protocol + " on " + ip_id + " for " + rule.cidrlist,
       [ip, ip_id] {
         return ip()->state == "Allocated" ? std::string()
                                           : "IP address " + ip_id + " is " + ip()->state;
       },
       [ip, rule] {
         ip()->firewallrules.push_back(rule);
         return "firewall_rule_created:" + rule.id;
       },
       {}},
      now);
  return job_reply("Firewall rule " + rule.id + " is being created on " + ip_id + ".", job,
                   {{"id", rule.id}});
}

ToolOutcome CloudStackCatalog::create_security_group_rule(const json& a, std::int64_t now) {
  std::string group_id = arg(a, "securitygroupid");
  if (!find_by_id(inv_.security_groups, group_id)) return not_found("security group", group_id);
  std::string protocol;
  if (auto problem = port_rule_problem(a, protocol, /*allow_all=*/true))
    return tool_error(*problem);
  std::string cidrs = arg(a, "cidrlist");
  std::string groups = arg(a, "usersecuritygrouplist");
  if (cidrs.empty() && groups.empty()) {
    return tool_error("CloudStack API error 431: give cidrlist or usersecuritygrouplist");
  }
  auto start = integer_arg(a, "startport");
  PortRule rule{inv_.new_id("sgr"),
                protocol,
                cidrs,
                groups,
                start,
                integer_arg(a, "endport") ? integer_arg(a, "endport") : start};
  std::string job = jobs_.queue(
      {"org.apache.cloudstack.api.command.user.securitygroup.AuthorizeSecurityGroupIngressCmd",
       "SecurityGroup",
       group_id,
       "SG.AUTH.INGRESS",
       "authorising ingress on " + group_id,
       [this, group_id] {
         return find_by_id(inv_.security_groups, group_id)
                    ? std::string()
                    : "security group " + group_id + " no longer exists";
       },
       [this, group_id, rule] {
         find_by_id(inv_.security_groups, group_id)->ingressrules.push_back(rule);
         return "security_group_rule_created:" + rule.id;
       },
       {}},
      now);
  return job_reply(
      "Ingress rule " + rule.id + " is being added to security group " + group_id + ".", job,
      {{"id", rule.id}});
}

// CloudStack generates the pair and returns the private key; the publickey argument is ignored,
// exactly like the real handler.
ToolOutcome CloudStackCatalog::create_ssh_key_pair(const json& a, std::int64_t now) {
  std::string name = arg(a, "name");
  for (const SshKeyPair& pair : inv_.ssh_key_pairs) {
    if (pair.name == name)
      return tool_error("CloudStack API error 431: a key pair named '" + name + "' already exists");
  }
  std::string fingerprint = random().hex(2);
  for (int i = 0; i < 15; ++i) fingerprint += ":" + random().hex(2);
  static constexpr char kBase64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string private_key = "-----BEGIN RSA PRIVATE KEY-----\n";
  for (int line = 0; line < 12; ++line) {
    for (int i = 0; i < 64; ++i) private_key += kBase64[random().below(64)];
    private_key += "\n";
  }
  private_key += "-----END RSA PRIVATE KEY-----\n";
  inv_.ssh_key_pairs.push_back({name, fingerprint});
  log_event(inv_, "REGISTER.SSH.KEYPAIR", "INFO", "created SSH key pair " + name, "Completed", now);
  record_effect("ssh_key_pair_created:" + name);
  return text_and_json_result(
      "SSH key pair " + name + " created.\nFingerprint: " + fingerprint + "\nPrivate key:\n" +
          private_key,
      {{"name", name}, {"fingerprint", fingerprint}, {"privatekey", private_key}});
}

}  // namespace gatecrash::mock::cloudstack
