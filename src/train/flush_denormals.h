// While alive, the calling thread treats subnormal floats as zero, in inputs
// and results (x86's FTZ and DAZ bits; elsewhere it does nothing).
//
// Why: Adam's moving averages of gradients that have become zero (a ReLU unit
// that no longer fires) decay by 0.9 a step into the subnormal range, where
// every multiply takes a microcode assist about a hundred times slower. A
// subnormal is below 1.2e-38, so treating it as zero changes no weight: an
// update of that size is far below a float's resolution at any weight.
#pragma once

#if defined(__SSE__) || defined(_M_X64)
#include <xmmintrin.h>
#endif

namespace edgeml::train {

class FlushDenormals {
 public:
#if defined(__SSE__) || defined(_M_X64)
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | kFlushToZero | kDenormalsAreZero); }
  ~FlushDenormals() { _mm_setcsr(saved_); }

 private:
  static constexpr unsigned kFlushToZero = 0x8000;       // MXCSR bit 15
  static constexpr unsigned kDenormalsAreZero = 0x0040;  // MXCSR bit 6
  unsigned saved_;
#else
  FlushDenormals() = default;
#endif

 public:
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;
};

}  // namespace edgeml::train
