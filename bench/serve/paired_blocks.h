// How bench_serve compares its two sides: each runs in alternating blocks,
// and every figure is the median over blocks of one side's figure over the
// other's in the neighbouring block, so that what else the shared machine
// does falls on both alike.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "load.h"

namespace edgeml::bench {

enum Side { kServe, kNull };

// One block of one side: its latency run, its throughput run, its memory.
struct SideRun {
  LoadRun latency, throughput;
  double cpu_us_per_request = 0;  // the server's, during the throughput run
  double resident_mib = 0, peak_resident_mib = 0;
  std::size_t predictions = 0;  // in the first reply
};

using Samples = std::array<std::vector<SideRun>, 2>;
using Figure = std::function<double(const SideRun&)>;

double median(std::vector<double> v);
double median(const std::vector<SideRun>& runs, const Figure& figure);
// Per block, serve's figure / the baseline's in the neighbouring block.
std::vector<double> block_ratios(const Samples& s, const Figure& figure);
double paired_ratio(const Samples& s, const Figure& figure);
// "1.104, blocks' quartiles 1.062 - 1.151": the median and the blocks'
// quartiles, so that a verdict on the goal's edge can be told from one that is not.
std::string ratio_and_quartiles(const Samples& s, const Figure& figure);

}  // namespace edgeml::bench
