#include "train/model_spec.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "protocol/past_features.h"
#include "protocol/series_id.h"

namespace edgeml::train {

namespace {

using json = nlohmann::json;

constexpr std::array<std::pair<Activation, const char*>, 5> kActivations = {
    {{Activation::linear, "linear"}, {Activation::relu, "relu"}, {Activation::relu6, "relu6"},
     {Activation::tanh, "tanh"}, {Activation::sigmoid, "sigmoid"}}};
constexpr std::array<std::pair<Loss, const char*>, 3> kLosses = {
    {{Loss::mae, "mae"}, {Loss::mse, "mse"}, {Loss::huber, "huber"}}};
constexpr std::array<std::pair<OptimizerKind, const char*>, 2> kOptimizers = {
    {{OptimizerKind::adam, "adam"}, {OptimizerKind::sgd, "sgd"}}};
constexpr std::array<std::pair<Target, const char*>, 2> kTargets = {{{Target::event_time, "event_time"}, {Target::gap, "gap"}}};

// Limits that keep a typo from asking for a model no edge device could hold.
constexpr int kMaxLayers = 16, kMaxUnits = 4096, kMaxEpochs = 100'000, kMaxBatch = 1'000'000;
constexpr std::size_t kMaxNameLength = 64, kMaxSpecBytes = std::size_t{1} << 20;

std::string shown(const json& value) {
  std::string text = value.dump();
  return text.size() > 40 ? text.substr(0, 37) + "..." : text;
}

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw Error(fmt::format("{}: {}", where, what));
}

template <typename Enum, std::size_t N>
Enum named(const std::array<std::pair<Enum, const char*>, N>& table, const json& value, const std::string& where) {
  std::vector<const char*> names;
  for (const auto& [e, name] : table) {
    if (value.is_string() && value.get<std::string>() == name) return e;
    names.push_back(name);
  }
  fail(where, fmt::format("{} is not one of {}", shown(value), fmt::join(names, ", ")));
}

template <typename Enum, std::size_t N>
const char* name_of(const std::array<std::pair<Enum, const char*>, N>& table, Enum e) {
  for (const auto& [value, name] : table)
    if (value == e) return name;
  return "?";
}

// The fields of one JSON object, each read once by name; finish() refuses any
// field nobody asked for, so a misspelt option is an error, not a default.
class Fields {
 public:
  Fields(const json& object, std::string where) : object_(object), where_(std::move(where)) {
    if (!object.is_object()) fail(where_, fmt::format("expected an object, not {}", shown(object)));
  }

  std::string path(const std::string& key) const { return where_ + "." + key; }

  const json* find(const std::string& key) {
    asked_.insert(key);
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }

  const json& require(const std::string& key) {
    if (const json* value = find(key)) return *value;
    fail(path(key), "is missing");
  }

  double number(const std::string& key, double fallback, double low, double high, bool low_open = false) {
    const json* value = find(key);
    if (!value) return fallback;
    if (!value->is_number()) fail(path(key), fmt::format("expected a number, not {}", shown(*value)));
    double x = value->get<double>();
    if (!(low_open ? x > low : x >= low) || !(x <= high))
      fail(path(key), fmt::format("{} is outside {}{:g}, {:g}]", shown(*value), low_open ? "(" : "[", low, high));
    return x;
  }

  int integer(const std::string& key, int fallback, int low, int high) {
    const json* value = find(key);
    if (!value) return fallback;
    if (!value->is_number_integer()) fail(path(key), fmt::format("expected a whole number, not {}", shown(*value)));
    auto x = value->get<std::int64_t>();
    if (x < low || x > high) fail(path(key), fmt::format("{} is outside [{}, {}]", x, low, high));
    return static_cast<int>(x);
  }

  void finish() const {
    for (const auto& item : object_.items())
      if (!asked_.count(item.key()))
        fail(path(item.key()), fmt::format("unknown field; the fields here are {}", fmt::join(asked_, ", ")));
  }

 private:
  const json& object_;
  std::string where_;
  std::set<std::string> asked_;
};

std::string read_name(Fields& f) {
  const json& value = f.require("name");
  if (!value.is_string()) fail(f.path("name"), fmt::format("expected a string, not {}", shown(value)));
  std::string name = value.get<std::string>();
  bool safe = !name.empty() && name.size() <= kMaxNameLength && name[0] != '.' && name[0] != '-';
  for (char c : name) safe = safe && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.');
  if (!safe)
    fail(f.path("name"), fmt::format("{} is not a file name of 1 to {} letters, digits, '_', '-' and '.', "
                                     "not starting with '.' or '-'", shown(value), kMaxNameLength));
  return name;
}

std::vector<std::string> read_features(Fields& f) {
  const json& list = f.require("features");
  if (!list.is_array() || list.empty())
    fail(f.path("features"), fmt::format("expected a list of column names, not {}", shown(list)));
  std::vector<std::string> features;
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string where = fmt::format("{}[{}]", f.path("features"), i);
    const auto& known = known_features();
    if (!list[i].is_string() || (std::find(known.begin(), known.end(), list[i].get<std::string>()) == known.end() &&
                                 !parse_past_feature(list[i].get<std::string>()) &&
                                 !parse_series_feature(list[i].get<std::string>())))
      fail(where, fmt::format("{} is not one of {}, series:STATION/DATAPOINT/ALARM, or a feature of the past: {}",
                              shown(list[i]), fmt::join(known, ", "), past_feature_names()));
    if (std::find(features.begin(), features.end(), list[i].get<std::string>()) != features.end())
      fail(where, fmt::format("{} is named twice", shown(list[i])));
    features.push_back(list[i].get<std::string>());
  }
  return features;
}

std::vector<DenseLayer> read_layers(Fields& f) {
  const json& list = f.require("layers");
  if (!list.is_array() || list.empty() || list.size() > kMaxLayers)
    fail(f.path("layers"), fmt::format("expected a list of 1 to {} dense layers, not {}", kMaxLayers, shown(list)));
  std::vector<DenseLayer> layers;
  for (std::size_t i = 0; i < list.size(); ++i) {
    Fields layer(list[i], fmt::format("{}[{}]", f.path("layers"), i));
    DenseLayer d;
    layer.require("units");
    d.units = layer.integer("units", 1, 1, kMaxUnits);
    if (const json* a = layer.find("activation")) d.activation = named(kActivations, *a, layer.path("activation"));
    layer.finish();
    if (i + 1 == list.size() && d.units != 1)
      fail(layer.path("units"), fmt::format("the last layer gives the model's one output, so it has 1 unit, not {}", d.units));
    layers.push_back(d);
  }
  return layers;
}

OptimizerSpec read_optimizer(Fields& f) {
  OptimizerSpec o;
  const json* value = f.find("optimizer");
  if (!value) return o;
  Fields fields(*value, f.path("optimizer"));
  o.kind = named(kOptimizers, fields.require("kind"), fields.path("kind"));
  o.learning_rate = fields.number("learning_rate", o.learning_rate, 0, 10, true);
  if (o.kind == OptimizerKind::sgd) o.momentum = fields.number("momentum", 0, 0, 0.9999);
  fields.finish();
  return o;
}

ModelSpec read_model(const json& value, const std::string& where) {
  Fields f(value, where);
  ModelSpec s;
  s.name = read_name(f);
  s.features = read_features(f);
  if (const json* n = f.find("normalization")) {
    if (!n->is_boolean()) fail(f.path("normalization"), fmt::format("expected true or false, not {}", shown(*n)));
    s.normalization = n->get<bool>();
  }
  if (const json* t = f.find("target")) s.target = named(kTargets, *t, f.path("target"));
  if (s.target == Target::gap && std::find(s.features.begin(), s.features.end(), "prev_time") != s.features.end())
    fail(f.path("features"), "a gap target adds prev_time as the model's last input itself; leave it out of the features");
  s.layers = read_layers(f);
  if (const json* loss = f.find("loss")) s.loss = named(kLosses, *loss, f.path("loss"));
  if (s.loss == Loss::huber) s.huber_delta = f.number("huber_delta", s.huber_delta, 0, 1e6, true);
  s.optimizer = read_optimizer(f);
  s.epochs = f.integer("epochs", s.epochs, 1, kMaxEpochs);
  s.batch_size = f.integer("batch_size", s.batch_size, 1, kMaxBatch);
  s.validation_share = f.number("validation_share", s.validation_share, 0, 0.9, true);
  s.patience = f.integer("early_stopping_patience", s.patience, 0, kMaxEpochs);
  f.finish();
  return s;
}

}  // namespace

const std::vector<std::string>& known_features() {
  static const std::vector<std::string> names = {"index", "value", "valueThreshold"};
  return names;
}

const std::vector<ModelSpec>& tutorial_models() {
  static const std::vector<ModelSpec> models = [] {
    const std::vector<std::string> single = {"index"}, multi = {"index", "value", "valueThreshold"};
    const std::vector<DenseLayer> linear = {{1, Activation::linear}};
    const std::vector<DenseLayer> dnn = {{64, Activation::relu}, {64, Activation::relu}, {1, Activation::linear}};
    auto model = [](std::string name, std::vector<std::string> features, std::vector<DenseLayer> layers, double rate) {
      ModelSpec s;
      s.name = std::move(name);
      s.features = std::move(features);
      s.layers = std::move(layers);
      s.optimizer.learning_rate = rate;
      return s;
    };
    // The tutorial's DNNs used Adam's default rate, 0.001, at which they are
    // still learning at epoch 100. 0.03 had the lowest validation MAE (the
    // last 20% of the training rows, seeds 0-9) of 0.001 to 0.05; bench/README.md.
    return std::vector<ModelSpec>{model("single_var_LR", single, linear, 0.1), model("multi_var_LR", multi, linear, 0.1),
                                  model("DNN_single_regression", single, dnn, 0.03),
                                  model("DNN_multi_regression", multi, dnn, 0.03)};
  }();
  return models;
}

const ModelSpec& tutorial_model(const std::string& name) {
  for (const ModelSpec& spec : tutorial_models())
    if (spec.name == name) return spec;
  std::vector<std::string> names;
  for (const ModelSpec& spec : tutorial_models()) names.push_back(spec.name);
  throw Error(fmt::format("no model '{}'; the models are {}", name, fmt::join(names, ", ")));
}

std::vector<ModelSpec> read_model_specs(const json& spec) {
  Fields top(spec, "spec");
  const json& list = top.require("models");
  top.finish();
  if (!list.is_array() || list.empty()) fail("spec.models", fmt::format("expected a list of models, not {}", shown(list)));
  std::vector<ModelSpec> specs;
  for (std::size_t i = 0; i < list.size(); ++i) {
    specs.push_back(read_model(list[i], fmt::format("models[{}]", i)));
    for (std::size_t j = 0; j < i; ++j)
      if (specs[j].name == specs[i].name)
        fail(fmt::format("models[{}].name", i), fmt::format("'{}' is also models[{}]'s name", specs[i].name, j));
  }
  return specs;
}

std::vector<ModelSpec> read_model_spec_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open the spec file", path.string()));
  std::string text(kMaxSpecBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxSpecBytes) throw Error(fmt::format("{}: a spec is at most {} bytes", path.string(), kMaxSpecBytes));
  try {
    return read_model_specs(json::parse(text, nullptr, true, true));
  } catch (const json::exception& e) {
    throw Error(fmt::format("{}: not JSON: {}", path.string(), e.what()));
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", path.string(), e.what()));
  }
}

nlohmann::ordered_json model_spec_json(const ModelSpec& s) {
  using ordered = nlohmann::ordered_json;
  ordered layers = ordered::array();
  for (const DenseLayer& l : s.layers) layers.push_back({{"units", l.units}, {"activation", activation_name(l.activation)}});
  ordered optimizer = {{"kind", name_of(kOptimizers, s.optimizer.kind)}, {"learning_rate", s.optimizer.learning_rate}};
  if (s.optimizer.kind == OptimizerKind::sgd) optimizer["momentum"] = s.optimizer.momentum;
  ordered j = {{"name", s.name}, {"features", s.features}, {"normalization", s.normalization},
               {"target", target_name(s.target)}, {"layers", layers}, {"loss", loss_name(s.loss)}};
  if (s.loss == Loss::huber) j["huber_delta"] = s.huber_delta;
  j["optimizer"] = optimizer;
  j["epochs"] = s.epochs;
  j["batch_size"] = s.batch_size;
  j["validation_share"] = s.validation_share;
  j["early_stopping_patience"] = s.patience;
  return j;
}

nlohmann::ordered_json model_specs_json(const std::vector<ModelSpec>& specs) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const ModelSpec& s : specs) list.push_back(model_spec_json(s));
  return {{"models", list}};
}

const char* activation_name(Activation activation) { return name_of(kActivations, activation); }
const char* loss_name(Loss loss) { return name_of(kLosses, loss); }
const char* optimizer_name(OptimizerKind kind) { return name_of(kOptimizers, kind); }
const char* target_name(Target target) { return name_of(kTargets, target); }

std::vector<std::string> ModelSpec::inputs() const {
  std::vector<std::string> names = features;
  if (target == Target::gap) names.push_back("prev_time");
  return names;
}

}  // namespace edgeml::train
