// Process-wide logging set-up (spdlog to stderr).
#pragma once

#include <string>

namespace edgeml {

// level: trace, debug, info, warn, error, off. Throws Error on an unknown level.
// When stderr is systemd's journal, lines carry the journal's priority prefix
// (<3> error ... <7> debug) and no time of their own, which the journal adds.
void setup_logging(const std::string& level);

// True when systemd connected stderr to the journal ($JOURNAL_STREAM names it).
bool stderr_is_journal();

}  // namespace edgeml
