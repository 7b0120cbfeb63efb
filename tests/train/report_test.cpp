#include "train/report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "core/process.h"
#include "support/test_support.h"
#include "train/plots.h"

namespace edgeml::train {
namespace {

namespace fs = std::filesystem;
using test::read_file;
using test::TempDir;

// A model that learned the label roughly: loss falling per epoch, predictions
// near a straight line through the test rows.
TrainingResult synthetic(std::string name, double noise) {
  TrainingResult r;
  r.name = std::move(name);
  r.features = {"index"};
  r.train_mae = 0.5 + noise, r.val_mae = 0.6 + noise, r.test_mae = 0.7 + noise, r.training_seconds = 1.25;
  for (int epoch = 0; epoch < 20; ++epoch) {
    r.loss.push_back(60.0 / (1 + epoch) + noise);
    r.val_loss.push_back(55.0 / (1 + epoch) + 2 * noise);
  }
  for (int row = 0; row < 50; ++row) {
    double index = 997.0 - 20 * row;  // not sorted, as test rows come
    r.test_index.push_back(index);
    r.test_truth.push_back(-65 + 0.06 * index + std::sin(row) * noise);
    r.test_prediction.push_back(-65 + 0.06 * index);
  }
  return r;
}

std::vector<TrainingResult> tutorial_models() {
  return {synthetic("single_var_LR", 0.7), synthetic("multi_var_LR", 0.7), synthetic("DNN_single_regression", 0.1),
          synthetic("DNN_multi_regression", 0.2)};
}

ReportContext context() {
  ReportContext c;
  c.train_file = "train.csv", c.test_file = "test.csv";
  c.train_rows = 1022, c.validation_rows = 256, c.test_rows = 319, c.epochs = 20, c.batch_size = 32;
  c.plot_timeout = std::chrono::milliseconds(30'000);
  return c;
}

bool gnuplot_installed() { return !find_program("gnuplot").empty() || !find_program("gnuplot-nox").empty(); }

#define REQUIRE_GNUPLOT()                                                               \
  do {                                                                                  \
    if (!gnuplot_installed()) {                                                         \
      if (test::running_in_ci()) FAIL() << "gnuplot (Debian gnuplot-nox) is missing";   \
      GTEST_SKIP() << "gnuplot is not installed";                                       \
    }                                                                                   \
  } while (0)

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

TEST(TrainingReport, StatesTheLabelTransformItWasGiven) {
  TempDir dir;
  ReportContext c = context();
  c.gnuplot = (dir / "no-such-gnuplot").string();
  c.label_offset = 1600000000;
  c.label_scale = 60;
  write_report(tutorial_models(), dir / "out", c);
  EXPECT_NE(read_file(dir / "out/report.md").find("the label being (event_time - 1600000000) / 60."), std::string::npos)
      << read_file(dir / "out/report.md");
}

TEST(TrainingReport, HasTheMaeTableBesideTheTutorialAndPngPlots) {
  REQUIRE_GNUPLOT();
  TempDir dir;
  write_report(tutorial_models(), dir / "out", context());

  std::string report = read_file(dir / "out/report.md");
  EXPECT_NE(report.find("| single\\_var\\_LR | index | **1.400** | 1.398 | +0.002 | 1.200 | 1.300 | 1.25 |"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("| DNN\\_single\\_regression | index | **0.800** | 0.639 | +0.161 |"), std::string::npos);
  EXPECT_NE(report.find("1022 rows fitted and 256 held out"), std::string::npos);
  EXPECT_NE(report.find("the label being (event_time - 1487508915) / 1000."), std::string::npos) << report;
  EXPECT_EQ(count(report, "Plot missing"), 0u) << report;
  EXPECT_EQ(count(report, "!["), 16u);
  for (const char* png : {"1-single_var_LR-loss.png", "2-multi_var_LR-truth.png", "4-DNN_multi_regression-index.png",
                          "3-DNN_single_regression-error.png"}) {
    EXPECT_TRUE(is_png(dir / "out/plots" / png)) << png;
    EXPECT_NE(report.find(std::string("(plots/") + png + ")"), std::string::npos) << png;
  }
}

TEST(TrainingReport, WithoutGnuplotSaysThePlotsAreMissingAndWhy) {
  TempDir dir;
  ReportContext c = context();
  c.gnuplot = (dir / "no-such-gnuplot").string();
  write_report(tutorial_models(), dir / "out", c);

  std::string report = read_file(dir / "out/report.md");
  EXPECT_NE(report.find("| multi\\_var\\_LR |"), std::string::npos);
  EXPECT_EQ(count(report, "!["), 0u);
  EXPECT_EQ(count(report, "Plot missing"), 16u);
  EXPECT_NE(report.find("was not found"), std::string::npos) << report;
}

TEST(TrainingReport, AFailingGnuplotLeavesTheReportWithItsStatus) {
  TempDir dir;
  ReportContext c = context();
  c.gnuplot = find_program("false");
  write_report(tutorial_models(), dir / "out", c);
  std::string report = read_file(dir / "out/report.md");
  EXPECT_NE(report.find("exited with status 1"), std::string::npos) << report;
}

TEST(TrainingReport, AHangingGnuplotIsStoppedInTime) {
  TempDir dir;
  fs::path hang = dir / "hang";
  std::ofstream(hang) << "#!/bin/sh\nexec sleep 30\n";
  fs::permissions(hang, fs::perms::owner_all);
  ReportContext c = context();
  c.gnuplot = hang.string();
  c.plot_timeout = std::chrono::milliseconds(300);
  auto start = std::chrono::steady_clock::now();
  write_report(tutorial_models(), dir / "out", c);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_NE(read_file(dir / "out/report.md").find("did not finish within 0.3 s"), std::string::npos);
}

TEST(TrainingReport, OddNamesStayInsideTheirCellsAndTheOutputDirectory) {
  REQUIRE_GNUPLOT();
  TempDir dir;
  std::vector<TrainingResult> results{synthetic("../../up|a*b_[x](y)<b>'q'\"\n`z`", 0.3), synthetic("", 0.3),
                                      synthetic("caf\xc3\xa9 \\ ; $(rm -rf x)", 0.3)};
  results[2].features = {"a|b"};
  fs::path out = dir / "out 'dir' \"q\" $x";
  write_report(results, out, context());

  std::string report = read_file(out / "report.md");
  EXPECT_NE(report.find("| ../../up\\|a\\*b\\_\\[x\\](y)\\<b\\>'q'\" \\`z\\` |"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("| caf\xc3\xa9 \\\\ ; $(rm -rf x) | a\\|b |"), std::string::npos) << report;
  EXPECT_EQ(count(report, "Plot missing"), 0u) << report;
  EXPECT_TRUE(is_png(out / "plots/1-.__.__up_a_b__x__y__b__q____z_-loss.png"));
  EXPECT_TRUE(is_png(out / "plots/2--truth.png"));
  // Nothing was written beside the output directory.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1u);
}

TEST(TrainingReport, ModelsWithoutHistoryOrTestRowsSaySo) {
  TempDir dir;
  TrainingResult empty;
  empty.name = "untrained";
  ReportContext c = context();
  c.gnuplot = (dir / "no-such-gnuplot").string();
  write_report({empty}, dir / "out", c);
  EXPECT_EQ(count(read_file(dir / "out/report.md"), "no data to plot"), 4u);
}

TEST(MaeTable, ListsEachModelWithTheTutorialsFigure) {
  std::vector<TrainingResult> results = tutorial_models();
  results.push_back(synthetic("mine\n\x1b[2J", 0));
  std::string table = format_mae_table(results);
  EXPECT_NE(table.find("single_var_LR              1.400      1.398      1.200      1.300        1.25"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("mine??[2J                  0.700          -"), std::string::npos) << table;
  EXPECT_EQ(count(table, "\n"), 6u);
}

TEST(MaeTable, KnowsTheTutorialsFourFigures) {
  EXPECT_EQ(tutorial_test_mae("DNN_multi_regression"), 0.740);
  EXPECT_EQ(tutorial_test_mae("multi_var_LR"), 1.418);
  EXPECT_FALSE(tutorial_test_mae("multi_var_lr"));
}

}  // namespace
}  // namespace edgeml::train
