// What a server counts as it runs, request by request: read by its stats,
// /metrics and service contracts.
#pragma once

#include <atomic>
#include <cstdint>

namespace edgeml::serve {

struct ServerCounts {
  std::uint64_t requests = 0;  // received
  std::uint64_t replies = 0;   // predictions published
  std::uint64_t errors = 0;    // error replies (unreadable requests)
  std::uint64_t overloaded = 0;  // refused because the queue stayed full
  std::uint64_t reloads = 0;   // model sets swapped in after the first
  std::uint64_t deployments = 0;  // packages installed or removed
  std::uint64_t events = 0;    // sensor events received for online accuracy
  std::uint64_t events_unreadable = 0;  // of those, not an alarm event
  std::uint64_t events_dropped = 0;     // of those, not scored (none since events stopped being queued)
  std::uint64_t accuracy_alerts = 0;    // raised
  std::uint64_t quality_dropped = 0;    // requests refused by a data-quality check
  std::uint64_t timed_out = 0;          // requests past their deadline when the worker got to them
  std::uint64_t replies_refused = 0;    // replies not sent: Response Topic outside --response-filter
  std::uint64_t handed_off = 0;  // requests handed to the other replicas of a cluster's application: the queue was full
};

// The same counts, kept by the threads that see each thing happen.
struct ServerCounters {
  std::atomic<std::uint64_t> requests{0}, replies{0}, errors{0}, overloaded{0}, reloads{0}, deployments{0};
  std::atomic<std::uint64_t> events{0}, events_unreadable{0}, events_dropped{0}, accuracy_alerts{0};
  std::atomic<std::uint64_t> quality_dropped{0}, timed_out{0}, replies_refused{0}, handed_off{0};

  ServerCounts snapshot() const {
    return {requests.load(),        replies.load(),         errors.load(),          overloaded.load(),
            reloads.load(),         deployments.load(),     events.load(),          events_unreadable.load(),
            events_dropped.load(),  accuracy_alerts.load(), quality_dropped.load(), timed_out.load(),
            replies_refused.load(), handed_off.load()};
  }
};

}  // namespace edgeml::serve
