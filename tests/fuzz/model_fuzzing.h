// What every model-reader fuzzer checks: the reader either refuses the bytes
// with an Error or gives a Graph that keeps the promises of graph.h, and an
// accepted Graph either loads into an Interpreter and runs once, or is refused
// with an Error. Anything else escapes and libFuzzer reports it: an uncaught
// exception (std::bad_alloc, std::out_of_range) aborts, sanitizers abort.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "runtime/graph.h"

namespace edgeml::fuzz {

using ModelReader = runtime::Graph (*)(std::span<const std::uint8_t> bytes, const std::string& origin);

// Always 0, as LLVMFuzzerTestOneInput returns.
int check_model_reader(ModelReader read, std::span<const std::uint8_t> bytes);

}  // namespace edgeml::fuzz
