#include "support/reference_outputs.h"

#include <array>
#include <cmath>
#include <fstream>

#include "core/csv.h"
#include "core/error.h"
#include "support/test_support.h"

namespace edgeml::test {

// reference_outputs.csv: model,index,value,valueThreshold,prediction; value
// and threshold are empty for the single-variable model.
std::vector<ReferenceRow> read_reference_outputs() {
  std::ifstream in(shared_file(kReferenceOutputs));
  std::string line;
  std::getline(in, line);  // header
  std::vector<ReferenceRow> rows;
  while (std::getline(in, line)) {
    std::array<std::string_view, 5> f;
    if (split_csv(line, f) != 5) throw Error("reference_outputs.csv: not 5 fields: " + line);
    ReferenceRow row;
    row.model = std::string(f[0]);
    for (std::size_t i = 1; i < 4 && !f[i].empty(); ++i) {
      double v = 0;
      if (!parse_number(f[i], "input", v)) throw Error("reference_outputs.csv: bad input: " + line);
      row.input.push_back(static_cast<float>(v));
    }
    if (!parse_number(f[4], "prediction", row.prediction)) throw Error("reference_outputs.csv: bad prediction: " + line);
    rows.push_back(std::move(row));
  }
  return rows;
}

bool matches_reference(double got, double expected) {
  return std::fabs(got - expected) <= 1e-4 * std::max(1.0, std::fabs(expected));
}

}  // namespace edgeml::test
