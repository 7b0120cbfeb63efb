// Counts calls of operator new, for tests proving a hot path allocates
// nothing. allocation_counting.cpp replaces the global operator new and delete
// for the whole program, so it is compiled into the test executables that
// use it, never into a library.
#pragma once

namespace edgeml::test {

void start_counting_allocations();
// Stops counting; gives the allocations since start_counting_allocations().
long stop_counting_allocations();

}  // namespace edgeml::test
