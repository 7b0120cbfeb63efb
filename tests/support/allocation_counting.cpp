#include "support/allocation_counting.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
std::atomic<std::size_t> g_largest{0};
}  // namespace

// The replacements below pair malloc with free; GCC cannot see that the
// replaced operator new is malloc and warns where it sees a delete.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t size) {
  if (g_counting) {
    ++g_allocations;
    for (std::size_t largest = g_largest; size > largest && !g_largest.compare_exchange_weak(largest, size);) {
    }
  }
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace edgeml::test {

void start_counting_allocations() {
  g_allocations = 0;
  g_largest = 0;
  g_counting = true;
}

long stop_counting_allocations() {
  g_counting = false;
  return g_allocations.load();
}

std::size_t largest_counted_allocation() { return g_largest.load(); }

}  // namespace edgeml::test
