// How the packed FULLY_CONNECTED kernels (fully_connected.cpp and its int8
// twin) pick, when a model loads, the run function that fits its layer.
#pragma once

#include <algorithm>
#include <cstddef>
#include <initializer_list>

namespace edgeml::runtime {

inline constexpr int kMaxPanelVectors = 4;

// For one vector width, the run functions for panels of 1 to
// kMaxPanelVectors vectors of outputs.
template <class Plan>
struct PanelVariants {
  std::size_t lanes;
  void (*by_vectors[kMaxPanelVectors])(const Plan&);
};

template <class Plan>
struct PanelVariant {
  std::size_t width;  // outputs per panel
  void (*run)(const Plan&);
};

// The widest of `candidates` (null where the CPU lacks it; scalars first)
// that the outputs fill at least once: one output in 16 lanes would waste 15
// of them and gain nothing over scalars, whose add chains are as long. Then
// as many of its vectors as the outputs need.
template <class Plan>
PanelVariant<Plan> choose_panel_variant(std::initializer_list<const PanelVariants<Plan>*> candidates,
                                        std::size_t out_units) {
  const PanelVariants<Plan>* chosen = *candidates.begin();
  for (const PanelVariants<Plan>* v : candidates)
    if (v && v->lanes <= out_units) chosen = v;
  std::size_t vectors =
      std::clamp<std::size_t>((out_units + chosen->lanes - 1) / chosen->lanes, 1, kMaxPanelVectors);
  return {chosen->lanes * vectors, chosen->by_vectors[vectors - 1]};
}

}  // namespace edgeml::runtime
