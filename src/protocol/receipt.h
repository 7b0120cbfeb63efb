// Store receipts (docs/wire-protocol.md#store-receipts): how a collector tells
// a publisher which of its events are committed to disk, so that the
// publisher may forget them.
//
// A publisher that wants receipts sends each event (on the tutorial's topic,
// with the tutorial's payload) as an MQTT 5 request: Response Topic
// receipt_topic(its client id, its run), Correlation Data its outbox sequence
// number in decimal. After each durable commit the collector publishes, on
// every such response topic, the sequence numbers it committed (stored,
// duplicate or rejected alike) as ascending ranges: "1-200,203,205-210".
// The run (random per start of the publisher) keeps a late receipt for an
// earlier run's number from removing a new event that got the same number.
// Collectors answer only on topics under kReceiptPrefix. Subscribers of
// MQTT 3.1.1 never see the properties, so the tutorial's wire format holds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "protocol/topics.h"

namespace edgeml {

// receipt_topic() and is_receipt_topic() are in protocol/topics.h.
// A new random run id (16 hex digits).
std::string new_run_id();

// Receipts larger than this are refused before they are read.
inline constexpr std::size_t kMaxReceiptBytes = 256 * 1024;

// `sequences` in any order, repeats allowed.
std::string encode_receipt(std::vector<std::uint64_t> sequences);
// Appends the sequence numbers of a receipt to `out`; a range may not hold
// more numbers than kMaxReceiptBytes, so a receipt cannot exhaust memory.
Status decode_receipt(std::string_view payload, std::vector<std::uint64_t>& out);

// The Correlation Data of an event with outbox sequence `sequence`, and back.
std::string sequence_correlation(std::uint64_t sequence);
bool parse_sequence(std::string_view text, std::uint64_t& sequence);

}  // namespace edgeml
