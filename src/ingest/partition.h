// Competing collectors on a broker without shared subscriptions (NATS, see
// docs/cloud-brokers.md): every collector of a group reads the whole stream
// and stores only the series of its own partition, so each event is stored by
// exactly one of them, and all events of one series by the same one (whose
// data-quality checks then see the whole series).
#pragma once

#include <string_view>

#include "protocol/series_id.h"

namespace edgeml::ingest {

struct Partition {
  int index = 0;  // K of "K/N": 0 <= index < count
  int count = 1;  // N: the collectors of the group; 1: this one takes everything

  // Whether this partition stores the series; null (a topic naming no
  // series, stored as a reject) belongs to partition 0 alone.
  bool holds(const SeriesId* series) const;
};

// "K/N" with 0 <= K < N. Throws Error naming the text when it is not.
Partition parse_partition(std::string_view text);

// Which of `count` partitions `series` falls in: FNV-1a (64 bit) of
// "station/datapoint/alarm" modulo count, the same on every machine, build
// and release, since collectors of one group may run different ones.
int series_partition(const SeriesId& series, int count);

}  // namespace edgeml::ingest
