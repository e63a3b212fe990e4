// The bit-allocation integer program, solved with COIN-OR CBC's C interface.
#include "quantc/Analysis/BitAllocation.h"

#include <Cbc_C_Interface.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <sstream>

namespace quantc {

Allocation evaluateAllocation(const std::vector<LayerCandidates> &layers,
                              std::vector<size_t> choice) {
  Allocation a;
  for (size_t l = 0; l < layers.size(); ++l) {
    const LayerCandidates &layer = layers[l];
    size_t c = choice[l];
    a.omega += layer.omega[c];
    a.weightBits += layer.weightBits[c];
    a.sizeBits += layer.sizeBits[c];
    a.bops += layer.bops[c];
    if (!layer.latencyMs.empty())
      a.latencyMs += layer.latencyMs[c];
  }
  a.choice = std::move(choice);
  return a;
}

namespace {

/// Candidates a layer may take: all, or just its pin.
std::vector<size_t> allowed(const LayerCandidates &layer) {
  std::vector<size_t> indices;
  for (size_t c = 0; c < layer.bits.size(); ++c)
    if (!layer.pinned || layer.bits[c] == *layer.pinned)
      indices.push_back(c);
  return indices;
}

std::string validate(const std::vector<LayerCandidates> &layers, const AllocationBudgets &budgets) {
  for (const LayerCandidates &layer : layers) {
    size_t n = layer.bits.size();
    if (n == 0)
      return "layer '" + layer.name + "' has no candidate bit-widths";
    if (layer.omega.size() != n || layer.weightBits.size() != n || layer.sizeBits.size() != n ||
        layer.bops.size() != n || (!layer.actBits.empty() && layer.actBits.size() != n) ||
        (!layer.latencyMs.empty() && layer.latencyMs.size() != n))
      return "layer '" + layer.name + "' has a cost or sensitivity missing for some bit-width";
    for (size_t c = 0; c < n; ++c)
      if (!std::isfinite(layer.omega[c]) || !std::isfinite(layer.weightBits[c]) ||
          !std::isfinite(layer.sizeBits[c]) || !std::isfinite(layer.bops[c]))
        return "layer '" + layer.name + "' has a non-finite cost or sensitivity";
    if (allowed(layer).empty())
      return "layer '" + layer.name + "' is pinned to " + std::to_string(*layer.pinned) +
             " bits, which is not a candidate";
    if (budgets.latencyMs && layer.latencyMs.empty())
      return "a latency budget needs measured latencies, and layer '" + layer.name + "' has none";
  }
  return "";
}

struct CbcDeleter {
  void operator()(Cbc_Model *model) const { Cbc_deleteModel(model); }
};

} // namespace

double smallestTotal(const std::vector<LayerCandidates> &layers,
                     const std::vector<double> LayerCandidates::*cost) {
  double total = 0;
  for (const LayerCandidates &layer : layers) {
    double best = INFINITY;
    for (size_t c : allowed(layer))
      best = std::min(best, (layer.*cost)[c]);
    total += best;
  }
  return total;
}

std::optional<Allocation> allocateBits(const std::vector<LayerCandidates> &layers,
                                       const AllocationBudgets &budgets, std::string &error) {
  if (std::string why = validate(layers, budgets); !why.empty()) {
    error = why;
    return std::nullopt;
  }
  // Each budget alone: the cheapest allocation must fit, else say how close one can get.
  struct Budget {
    const char *what;
    std::optional<double> bound;
    const std::vector<double> LayerCandidates::*cost;
  };
  const Budget all[] = {{"weight bits", budgets.weightBits, &LayerCandidates::weightBits},
                        {"weight size (bits)", budgets.sizeBits, &LayerCandidates::sizeBits},
                        {"BOPs", budgets.bops, &LayerCandidates::bops},
                        {"latency (ms)", budgets.latencyMs, &LayerCandidates::latencyMs}};
  std::ostringstream infeasible;
  for (const Budget &budget : all) {
    if (!budget.bound)
      continue;
    double smallest = smallestTotal(layers, budget.cost);
    if (smallest > *budget.bound * (1 + 1e-12))
      infeasible << (infeasible.tellp() ? "; " : "") << budget.what << " budget " << *budget.bound
                 << " is infeasible: the smallest achievable is " << smallest;
  }
  if (infeasible.tellp()) {
    error = infeasible.str();
    return std::nullopt;
  }

  std::unique_ptr<Cbc_Model, CbcDeleter> model(Cbc_newModel());
  Cbc_setLogLevel(model.get(), 0);
  // CBC's tolerances are absolute: scale the objective so its largest term is 1e6.
  double largest = 0;
  for (const LayerCandidates &layer : layers)
    for (size_t c : allowed(layer))
      largest = std::max(largest, std::fabs(layer.omega[c]));
  double objectiveScale = largest > 0 ? 1e6 / largest : 1.0;
  std::vector<std::pair<size_t, size_t>> columns; // (layer, candidate)
  for (size_t l = 0; l < layers.size(); ++l)
    for (size_t c : allowed(layers[l])) {
      Cbc_addCol(model.get(), "", 0.0, 1.0, layers[l].omega[c] * objectiveScale, 1, 0, nullptr,
                 nullptr);
      columns.emplace_back(l, c);
    }
  // One candidate per layer.
  for (size_t l = 0, first = 0; l < layers.size(); ++l) {
    std::vector<int> indices;
    std::vector<double> ones;
    for (; first < columns.size() && columns[first].first == l; ++first) {
      indices.push_back(int(first));
      ones.push_back(1.0);
    }
    Cbc_addRow(model.get(), "", int(indices.size()), indices.data(), ones.data(), 'E', 1.0);
  }
  for (const Budget &budget : all) {
    if (!budget.bound)
      continue;
    std::vector<int> indices(columns.size());
    std::vector<double> costs(columns.size());
    for (size_t i = 0; i < columns.size(); ++i) {
      indices[i] = int(i);
      costs[i] = (layers[columns[i].first].*budget.cost)[columns[i].second];
    }
    Cbc_addRow(model.get(), "", int(indices.size()), indices.data(), costs.data(), 'L', *budget.bound);
  }
  // CBC 2.10's preprocessing returns non-optimal choices it reports as
  // proven optimal on small multiple-choice knapsacks like this one (three
  // layers, one budget: total 100.1 where 10.15 fits). The programs here
  // are small enough to branch without it.
  Cbc_setParameter(model.get(), "preprocess", "off");
  Cbc_setAllowableGap(model.get(), 0.0);
  Cbc_setAllowableFractionGap(model.get(), 0.0);
  Cbc_solve(model.get());
  if (Cbc_isProvenInfeasible(model.get()) || !Cbc_isProvenOptimal(model.get())) {
    error = "the budgets cannot all be met together (each alone can)";
    return std::nullopt;
  }
  const double *x = Cbc_getColSolution(model.get());
  std::vector<size_t> choice(layers.size(), 0);
  for (size_t i = 0; i < columns.size(); ++i)
    if (x[i] > 0.5)
      choice[columns[i].first] = columns[i].second;
  return evaluateAllocation(layers, std::move(choice));
}

} // namespace quantc
