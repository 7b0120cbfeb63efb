#include "client/in_flight_table.h"

#include <algorithm>

namespace edgeml::client {

InFlightTable::InFlightTable(std::chrono::nanoseconds timeout, int retries)
    : timeout_(std::chrono::duration_cast<Clock::duration>(timeout)), retries_(retries), answered_(kRemembered, 0) {}

void InFlightTable::add(std::uint64_t sequence, Request request, Clock::time_point now) {
  auto [it, added] = entries_.try_emplace(sequence, Entry{std::move(request), now, now + timeout_});
  if (added) due_.emplace(it->second.due, sequence);
}

InFlightTable::Match InFlightTable::reply(std::uint64_t sequence, Ended& ended) {
  Entry entry;
  if (!take(sequence, entry)) {
    bool duplicate = was_answered(sequence);
    ++(duplicate ? duplicates_ : unknown_);
    return duplicate ? Match::duplicate : Match::unknown;
  }
  remember_answered(sequence);
  ended = {sequence, std::move(entry)};
  return Match::first;
}

void InFlightTable::expire(Clock::time_point now, bool may_retry, std::vector<Ended>& timed_out) {
  if (!may_retry) {
    // Stopping: what waits to be re-sent is given up first, having fallen due first.
    for (std::uint64_t sequence : resend_queue_) {
      auto node = entries_.extract(sequence);
      timed_out.emplace_back(sequence, std::move(node.mapped()));
    }
    resend_queue_.clear();
  }
  while (!due_.empty() && due_.begin()->first <= now) {
    std::uint64_t sequence = due_.begin()->second;
    due_.erase(due_.begin());
    auto it = entries_.find(sequence);
    if (may_retry && it->second.sends <= retries_) {
      it->second.waiting_to_resend = true;
      resend_queue_.push_back(sequence);
      continue;
    }
    timed_out.emplace_back(sequence, std::move(it->second));
    entries_.erase(it);
  }
}

bool InFlightTable::next_resend(Clock::time_point now, std::uint64_t& sequence, Request& request) {
  if (resend_queue_.empty()) return false;
  sequence = resend_queue_.front();
  resend_queue_.pop_front();
  Entry& entry = entries_.at(sequence);  // a reply takes its sequence out of the queue too
  entry.waiting_to_resend = false;
  entry.due = now + timeout_;
  ++entry.sends;
  due_.emplace(entry.due, sequence);
  request = entry.request;
  return true;
}

bool InFlightTable::take(std::uint64_t sequence, Entry& entry) {
  auto node = entries_.extract(sequence);
  if (!node) return false;
  if (node.mapped().waiting_to_resend)
    resend_queue_.erase(std::find(resend_queue_.begin(), resend_queue_.end(), sequence));
  else due_.erase({node.mapped().due, sequence});
  entry = std::move(node.mapped());
  return true;
}

InFlightTable::Clock::time_point InFlightTable::next_due() const {
  return due_.empty() ? Clock::time_point::max() : due_.begin()->first;
}

void InFlightTable::remember_answered(std::uint64_t sequence) { answered_[sequence % answered_.size()] = sequence; }

bool InFlightTable::was_answered(std::uint64_t sequence) const {
  return sequence != 0 && answered_[sequence % answered_.size()] == sequence;
}

}  // namespace edgeml::client
