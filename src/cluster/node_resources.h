// A node's own resources and labels: measured where the operator did not
// give them (`edgeml serve --cluster --labels --capacity`).
#pragma once

#include <map>
#include <string>

#include "protocol/cluster_applications.h"

namespace edgeml::cluster {

// Cores this process may run on, and the machine's memory (MemTotal).
Resources measured_resources();
// The architecture as Debian names it: arm64, armhf, amd64, i386, or uname's machine.
std::string machine_arch();

// "k=v,k2=v2": names of letters, digits, '_', '-' and '.'. Throws Error saying which pair is wrong.
std::map<std::string, std::string> parse_labels(const std::string& text);
// "cores=1.5,memory=512MiB" (memory in MiB, or with MiB/GiB/M/G); a field not
// given keeps its value in `measured`. Throws Error saying what is wrong.
Resources parse_capacity(const std::string& text, const Resources& measured);

}  // namespace edgeml::cluster
