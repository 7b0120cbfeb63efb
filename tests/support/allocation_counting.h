// Counts calls of operator new, for tests proving a hot path allocates
// nothing. allocation_counting.cpp replaces the global operator new and delete
// for the whole program, so it is compiled into the test executables that
// use it, never into a library.
#pragma once

#include <cstddef>

namespace edgeml::test {

void start_counting_allocations();
// Stops counting; gives the allocations since start_counting_allocations().
long stop_counting_allocations();
// The largest allocation between start_counting_allocations() and its stop.
std::size_t largest_counted_allocation();

}  // namespace edgeml::test
