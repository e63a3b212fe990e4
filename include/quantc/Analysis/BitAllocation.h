//===- BitAllocation.h - integer program: one bit-width per layer ----------===//
//
// HAWQ-V3 / Hubara et al. style mixed-precision allocation: choose one
// candidate bit-width per layer minimizing the summed sensitivity subject to
// budgets on weight size, bit operations and latency. Solved exactly with
// COIN-OR CBC (binary x[l][c], one per layer and candidate, sum_c x[l][c] = 1).
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_ANALYSIS_BITALLOCATION_H
#define QUANTC_ANALYSIS_BITALLOCATION_H

#include <optional>
#include <string>
#include <vector>

namespace quantc {

/// One layer's candidates; every vector has one entry per candidate.
struct LayerCandidates {
  std::string name;
  std::vector<int> bits;
  std::vector<double> omega;      // sensitivity (predicted loss increase)
  std::vector<double> weightBits; // parameters * bits (the average-bits budget)
  std::vector<double> sizeBits;   // weight storage incl. scales and zero points, in bits
  std::vector<double> bops;      // bit operations: MACs * weight bits * activation bits
  std::vector<double> latencyMs; // measured kernel latency (empty: no latency budget possible)
  std::optional<int> pinned;     // forced bit-width (must be a candidate)
  std::vector<int> actBits;       // activation width per candidate (empty: one global width)
};

/// Upper bounds; unset means unconstrained.
struct AllocationBudgets {
  std::optional<double> weightBits, sizeBits, bops, latencyMs;
};

struct Allocation {
  std::vector<size_t> choice; // candidate index per layer
  double omega = 0, weightBits = 0, sizeBits = 0, bops = 0, latencyMs = 0;
};

/// The optimal allocation, or an error: malformed candidates, or infeasible
/// budgets, naming the smallest achievable value of each budget that alone
/// cannot be met (or saying that the budgets conflict together).
std::optional<Allocation> allocateBits(const std::vector<LayerCandidates> &layers,
                                       const AllocationBudgets &budgets, std::string &error);

/// The smallest achievable total of one cost (each layer at its cheapest
/// allowed candidate), e.g. smallestTotal(layers, &LayerCandidates::sizeBits).
double smallestTotal(const std::vector<LayerCandidates> &layers,
                     const std::vector<double> LayerCandidates::*cost);

/// Sums of the candidates chosen by `choice` (for reports and tests).
Allocation evaluateAllocation(const std::vector<LayerCandidates> &layers,
                              std::vector<size_t> choice);

} // namespace quantc

#endif // QUANTC_ANALYSIS_BITALLOCATION_H
