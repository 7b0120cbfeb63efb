// The request client's book of requests in flight, without a broker: a
// request unanswered is re-sent until its retries are used up, the first
// reply to any of its sends ends it, later ones count as duplicates, and
// what it remembers stays bounded.
#include <gtest/gtest.h>

#include "client/in_flight_table.h"

namespace edgeml::client {
namespace {

using namespace std::chrono_literals;
using Clock = InFlightTable::Clock;
using Match = InFlightTable::Match;

const Clock::time_point t0 = Clock::now();

Request request_at(double index) {
  Request r;
  r.series = {"1160629000", "121", "308"};
  r.index = index;
  return r;
}

// A table with requests 1, 2, ... sent at t0 + each of `sent`, indexes 0, 1, ...
InFlightTable table_of(int retries, std::initializer_list<Clock::duration> sent) {
  InFlightTable table(1s, retries);
  std::uint64_t sequence = 0;
  for (Clock::duration at : sent) {
    table.add(sequence + 1, request_at(static_cast<double>(sequence)), t0 + at);
    ++sequence;
  }
  return table;
}

// Sequences that timed out at `now`.
std::vector<std::uint64_t> timed_out(InFlightTable& table, Clock::time_point now, bool may_retry = true) {
  std::vector<InFlightTable::Ended> ended;
  table.expire(now, may_retry, ended);
  std::vector<std::uint64_t> sequences;
  for (const auto& [sequence, entry] : ended) sequences.push_back(sequence);
  return sequences;
}

using Sequences = std::vector<std::uint64_t>;

// The sequence of the request re-sent at `now`, or 0 when none waits.
std::uint64_t resent(InFlightTable& table, Clock::time_point now) {
  std::uint64_t sequence = 0;
  Request again;
  return table.next_resend(now, sequence, again) ? sequence : 0;
}

TEST(InFlightTable, AnUnansweredRequestIsResentUntilItsRetriesAreUsedThenTimesOut) {
  InFlightTable table(1s, 2);
  table.add(7, request_at(5), t0);
  EXPECT_EQ(table.next_due(), t0 + 1s);
  EXPECT_EQ(timed_out(table, t0 + 999ms), Sequences{});
  EXPECT_FALSE(table.resend_waiting());

  for (int send = 2; send <= 3; ++send) {
    auto due = t0 + (send - 1) * 1100ms - 100ms;  // 1.0 s, then 2.1 s
    EXPECT_EQ(timed_out(table, due), Sequences{}) << "send " << send;
    ASSERT_TRUE(table.resend_waiting());
    EXPECT_EQ(table.size(), 1u) << "a request waiting to be re-sent holds its slot";
    std::uint64_t sequence = 0;
    Request again;
    ASSERT_TRUE(table.next_resend(due + 100ms, sequence, again));
    EXPECT_EQ(sequence, 7u) << "re-sent with the same correlation data";
    EXPECT_EQ(again.index, 5);
    EXPECT_EQ(table.next_due(), due + 1100ms) << "due a timeout after the re-send";
    EXPECT_FALSE(table.resend_waiting());
  }
  std::vector<InFlightTable::Ended> ended;
  table.expire(t0 + 3200ms, true, ended);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].first, 7u);
  EXPECT_EQ(ended[0].second.sends, 3);
  EXPECT_EQ(ended[0].second.first_sent, t0);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.next_due(), Clock::time_point::max());
}

TEST(InFlightTable, WithoutRetriesARequestTimesOutWhenFirstDue) {
  InFlightTable table = table_of(0, {0ms});
  EXPECT_EQ(timed_out(table, t0 + 1s), Sequences{1});
  EXPECT_FALSE(table.resend_waiting());
}

TEST(InFlightTable, TheFirstReplyToAnySendEndsItAndLaterOnesAreDuplicates) {
  InFlightTable table = table_of(2, {0ms, 0ms});
  EXPECT_EQ(timed_out(table, t0 + 1s), Sequences{});
  ASSERT_EQ(resent(table, t0 + 1s), 1u);

  InFlightTable::Ended ended;
  EXPECT_EQ(table.reply(1, ended), Match::first);  // the first send's late reply, or the re-send's
  EXPECT_EQ(ended.first, 1u);
  EXPECT_EQ(ended.second.sends, 2);
  EXPECT_EQ(table.reply(1, ended), Match::duplicate);
  EXPECT_EQ(table.reply(1, ended), Match::duplicate);
  // 2 waits to be re-sent; a reply still ends it, and it is re-sent no more.
  EXPECT_EQ(table.reply(2, ended), Match::first);
  EXPECT_EQ(resent(table, t0 + 1s), 0u);
  EXPECT_EQ(table.reply(2, ended), Match::duplicate);
  EXPECT_EQ(table.reply(99, ended), Match::unknown);
  EXPECT_EQ(table.reply(0, ended), Match::unknown);
  EXPECT_EQ(table.duplicates(), 3u);
  EXPECT_EQ(table.unknown(), 2u);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(timed_out(table, t0 + 10s), Sequences{}) << "an answered request never times out";
}

TEST(InFlightTable, AReplyAfterTheLastRetryTimedOutIsUnknownNotAnAnswer) {
  InFlightTable table = table_of(0, {0ms});
  EXPECT_EQ(timed_out(table, t0 + 1s), Sequences{1});
  InFlightTable::Ended ended;
  EXPECT_EQ(table.reply(1, ended), Match::unknown);
  EXPECT_EQ(table.duplicates(), 0u);
}

TEST(InFlightTable, RequestsFallDueInTheOrderOfTheirLastSend) {
  InFlightTable table = table_of(1, {0ms, 500ms});
  EXPECT_EQ(timed_out(table, t0 + 1s), Sequences{});
  EXPECT_EQ(resent(table, t0 + 1s), 1u);  // due again at 2 s
  EXPECT_EQ(table.next_due(), t0 + 1500ms);
  EXPECT_EQ(timed_out(table, t0 + 1500ms), Sequences{});
  EXPECT_EQ(resent(table, t0 + 1500ms), 2u);
  EXPECT_EQ(timed_out(table, t0 + 2s), Sequences{1});
  EXPECT_EQ(timed_out(table, t0 + 2500ms), Sequences{2});
}

TEST(InFlightTable, StoppingGivesUpWhatIsDueOrWaitingInsteadOfResendingIt) {
  InFlightTable table = table_of(2, {0ms, 500ms, 900ms});
  EXPECT_EQ(timed_out(table, t0 + 1s), Sequences{});  // 1 waits to be re-sent
  EXPECT_EQ(timed_out(table, t0 + 1500ms, false), (Sequences{1, 2}));
  EXPECT_FALSE(table.resend_waiting());
  EXPECT_EQ(table.size(), 1u);
}

TEST(InFlightTable, AFailedSendIsTakenOutWhereverItWaits) {
  InFlightTable table = table_of(2, {0ms, 100ms});
  EXPECT_EQ(timed_out(table, t0 + 1s), Sequences{});
  InFlightTable::Entry entry;
  EXPECT_TRUE(table.take(1, entry));  // waiting to be re-sent
  EXPECT_TRUE(table.take(2, entry));  // sent
  EXPECT_EQ(entry.request.index, 1);
  EXPECT_FALSE(table.take(2, entry));
  EXPECT_FALSE(table.resend_waiting());
  EXPECT_EQ(table.next_due(), Clock::time_point::max());
  InFlightTable::Ended ended;
  EXPECT_EQ(table.reply(1, ended), Match::unknown) << "a failed send was not an answer";
}

TEST(InFlightTable, DuplicatesAreRecognisedWithinABoundedWindow) {
  InFlightTable table(1s, 2);
  InFlightTable::Ended ended;
  const std::uint64_t later = 1 + InFlightTable::kRemembered;
  for (std::uint64_t sequence : {std::uint64_t{1}, later}) {
    table.add(sequence, request_at(0), t0);
    EXPECT_EQ(table.reply(sequence, ended), Match::first);
  }
  EXPECT_EQ(table.reply(later, ended), Match::duplicate);
  EXPECT_EQ(table.reply(1, ended), Match::unknown) << "forgotten, yet never counted as a second answer";
}

}  // namespace
}  // namespace edgeml::client
