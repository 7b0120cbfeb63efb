#include "protocol/label.h"

#include <fmt/format.h>

namespace edgeml {

std::string label_unit(double scale, double offset) { return fmt::format("{:g} s after Unix time {:.0f}", scale, offset); }

}  // namespace edgeml
