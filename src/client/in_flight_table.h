// The request client's book of requests in flight, kept apart from MQTT so
// that retries and duplicates can be tested without a broker.
//
// A request unanswered `timeout` after a send is due again: re-sent (with its
// own sequence as Correlation Data, so any reply to any of its sends matches
// it) until it has been re-sent `retries` times, then given up. The first
// reply ends it; a later one is a duplicate. In a shared subscription a
// server killed mid-run takes with it the requests the broker had already
// handed to it, and only a re-send, which the broker gives to a live server,
// gets them answered.
//
// Memory is bounded: entries live only while in flight (at most the client's
// concurrency), and duplicates are recognised among the last kRemembered
// answered requests, a fixed ring; an older duplicate counts as unknown,
// never as a second answer.
//
// Not synchronised: the request client locks around every call.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "protocol/request.h"

namespace edgeml::client {

class InFlightTable {
 public:
  using Clock = std::chrono::steady_clock;
  // 512 KiB: six seconds of replies at 10,000 a second.
  static constexpr std::size_t kRemembered = std::size_t{1} << 16;

  struct Entry {
    Request request;
    Clock::time_point first_sent;  // latency is counted from here: what the asker waited
    Clock::time_point due;         // of the last send; meaningless while waiting to be re-sent
    int sends = 1;
    bool waiting_to_resend = false;
  };
  using Ended = std::pair<std::uint64_t, Entry>;  // by sequence
  enum class Match { first, duplicate, unknown };

  InFlightTable(std::chrono::nanoseconds timeout, int retries);

  // A request about to be sent for the first time, at `now`.
  void add(std::uint64_t sequence, Request request, Clock::time_point now);

  // A reply's sequence: the first for a request in flight ends it into `ended`.
  Match reply(std::uint64_t sequence, Ended& ended);

  // Requests due by `now`: those with retries left wait to be re-sent (unless
  // `may_retry` is false, as when stopping), the others end into `timed_out`,
  // in the order they were due. With `may_retry` false, requests already
  // waiting to be re-sent time out too.
  void expire(Clock::time_point now, bool may_retry, std::vector<Ended>& timed_out);

  // Takes the next request waiting to be re-sent, counting the send made at
  // `now`; false when none waits. The request is copied: a reply may end it
  // while it is being sent.
  bool next_resend(Clock::time_point now, std::uint64_t& sequence, Request& request);

  // Ends a request in flight (as when its send failed); false when it is not.
  bool take(std::uint64_t sequence, Entry& entry);

  std::size_t size() const { return entries_.size(); }  // waiting to be re-sent included: it holds its slot
  bool resend_waiting() const { return !resend_queue_.empty(); }
  // When the next request is due; time_point::max() when none is.
  Clock::time_point next_due() const;
  std::uint64_t duplicates() const { return duplicates_; }
  std::uint64_t unknown() const { return unknown_; }

 private:
  void remember_answered(std::uint64_t sequence);
  bool was_answered(std::uint64_t sequence) const;

  Clock::duration timeout_;
  int retries_;
  std::map<std::uint64_t, Entry> entries_;
  std::set<std::pair<Clock::time_point, std::uint64_t>> due_;  // the sent ones, the first due first
  std::deque<std::uint64_t> resend_queue_;                     // in the order they fell due
  std::vector<std::uint64_t> answered_;                        // a ring by sequence; 0: empty
  std::uint64_t duplicates_ = 0, unknown_ = 0;
};

}  // namespace edgeml::client
