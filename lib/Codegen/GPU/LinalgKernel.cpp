// Linalg ops as GPU kernels through upstream's mapping (GPULinalgKernels.h):
// the op rebuilt on memrefs as a linalg.generic with its parallel dims
// outermost, lowered to an scf.parallel nest, collapsed to one dim, tiled by
// the block size, mapped to blocks and threads, converted to gpu.launch and
// outlined.
#include "quantc/Codegen/GPULinalgKernels.h"
#include "quantc/Codegen/MathApproximation.h"

#include "WarpRows.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/GPU/Utils/GPUUtils.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/TypeSwitch.h"

#include <numeric>

namespace quantc::codegen::gpu {

using namespace mlir;

namespace {

bool isStaticIdentityBuffer(Type type) {
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    return tensor.hasStaticShape() && !tensor.getEncoding();
  if (auto memref = dyn_cast<MemRefType>(type))
    return memref.hasStaticShape() && memref.getLayout().isIdentity() && !memref.getMemorySpace();
  return false;
}

MemRefType memrefOf(Type tensor) {
  auto shaped = cast<ShapedType>(tensor);
  return MemRefType::get(shaped.getShape(), shaped.getElementType());
}

/// The op on memref arguments (its shaped operands in order, then the
/// tensors its body reads with tensor.extract: `captured`) as a
/// linalg.generic in func.func @name, parallel dims first; scalar inputs and
/// scalar constants the body uses are cloned in. `arguments` receives the
/// operand numbers of the func's arguments (a captured tensor i counts as
/// operand getNumOperands() + i). `alsoCaptured`: tensors the kernel reads
/// besides the op's (where accumulators start), captured after the body's.
OwningOpRef<ModuleOp> rebuildOnMemrefs(linalg::LinalgOp op, llvm::StringRef name,
                                       std::vector<unsigned> &arguments,
                                       std::vector<Value> &captured,
                                       llvm::ArrayRef<Value> alsoCaptured) {
  MLIRContext *context = op->getContext();
  OpBuilder b(context);
  Location loc = op.getLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b.setInsertionPointToStart(module->getBody());
  SmallVector<Type> types;
  for (OpOperand &operand : op->getOpOperands()) {
    if (!isa<ShapedType>(operand.get().getType()))
      continue;
    arguments.push_back(operand.getOperandNumber());
    types.push_back(memrefOf(operand.get().getType()));
  }
  SetVector<Value> above;
  getUsedValuesDefinedAbove(op->getRegion(0), above);
  SetVector<Value> tensors;
  for (Value value : above)
    if (isa<RankedTensorType>(value.getType()))
      tensors.insert(value);
  tensors.insert(alsoCaptured.begin(), alsoCaptured.end());
  for (Value value : tensors) {
    arguments.push_back(op->getNumOperands() + unsigned(captured.size()));
    captured.push_back(value);
    types.push_back(memrefOf(value.getType()));
  }
  auto func = func::FuncOp::create(b, loc, name, b.getFunctionType(types, {}));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);

  IRMapping mapping;
  unsigned firstCaptured = unsigned(types.size() - captured.size());
  for (auto [i, value] : llvm::enumerate(captured))
    mapping.map(value, entry->getArgument(firstCaptured + unsigned(i)));
  for (Value value : above)
    if (!isa<RankedTensorType>(value.getType()))
      mapping.map(value, b.clone(*value.getDefiningOp())->getResult(0));
  SmallVector<Value> inputs, outputs;
  unsigned next = 0;
  for (OpOperand &operand : op->getOpOperands()) {
    Value value = isa<ShapedType>(operand.get().getType())
                      ? Value(entry->getArgument(next++))
                      : b.clone(*operand.get().getDefiningOp())->getResult(0);
    (op.isDpsInput(&operand) ? inputs : outputs).push_back(value);
  }
  auto generic = linalg::GenericOp::create(b, loc, TypeRange{}, inputs, outputs,
                                           op.getIndexingMapsArray(), op.getIteratorTypesArray());
  op->getRegion(0).cloneInto(&generic.getRegion(), mapping);
  func::ReturnOp::create(b, loc);
  // What the body extracted from captured tensors it loads from their
  // buffers.
  SmallVector<tensor::ExtractOp> extracts;
  generic.getRegion().walk([&](tensor::ExtractOp extract) { extracts.push_back(extract); });
  for (tensor::ExtractOp extract : extracts) {
    OpBuilder at(extract);
    Value load =
        memref::LoadOp::create(at, extract.getLoc(), extract->getOperand(0), extract.getIndices());
    extract.getResult().replaceAllUsesWith(load);
    extract->erase();
  }

  // Parallel dims outermost: they become the one scf.parallel mapped to
  // threads; the reductions run inside each thread.
  SmallVector<unsigned> order;
  auto iterators = generic.getIteratorTypesArray();
  for (auto kind : {utils::IteratorType::parallel, utils::IteratorType::reduction})
    for (unsigned dim = 0; dim < iterators.size(); ++dim)
      if (iterators[dim] == kind)
        order.push_back(dim);
  IRRewriter rewriter(context);
  (void)linalg::interchangeGenericOp(rewriter, generic, order);
  return module;
}

/// A reduction loop's accumulator `load` / `store` pair on one output
/// element, if `loop` has one: the only accesses to that buffer in the
/// body, at the same indices, all defined outside the loop.
std::optional<std::pair<memref::LoadOp, memref::StoreOp>> accumulator(scf::ForOp loop) {
  for (auto store : loop.getBody()->getOps<memref::StoreOp>()) {
    Value buffer = store.getMemRef();
    SmallVector<Operation *> accesses;
    loop.getBody()->walk([&](Operation *op) {
      if (llvm::is_contained(op->getOperands(), buffer))
        accesses.push_back(op);
    });
    auto load = accesses.size() == 2 ? dyn_cast<memref::LoadOp>(accesses[0]) : nullptr;
    if (!load || load->getBlock() != loop.getBody() || load.getIndices() != store.getIndices() ||
        !llvm::all_of(store.getIndices(),
                      [&](Value index) { return loop.isDefinedOutsideOfLoop(index); }))
      continue;
    return std::make_pair(load, store);
  }
  return std::nullopt;
}

/// Reductions carry their output element in a register through each
/// reduction loop (an iter_arg), loaded before it and stored after it,
/// instead of loading and storing it in memory at every step: the same
/// operations in the same order. Innermost loops first, so that a nest of
/// reduction loops carries it through all of them.
void accumulateInRegisters(func::FuncOp func) {
  IRRewriter rewriter(func.getContext());
  for (bool changed = true; changed;) {
    changed = false;
    SmallVector<scf::ForOp> loops;
    func.walk([&](scf::ForOp loop) { loops.push_back(loop); }); // post-order: innermost first
    for (scf::ForOp loop : loops) {
      auto pair = accumulator(loop);
      if (!pair)
        continue;
      auto [load, store] = *pair;
      rewriter.setInsertionPoint(loop);
      Value initial =
          memref::LoadOp::create(rewriter, load.getLoc(), load.getMemRef(), load.getIndices());
      Value stored = store.getValueToStore();
      auto carried = cast<scf::ForOp>(*loop.replaceWithAdditionalYields(
          rewriter, initial, /*replaceInitOperandUsesInLoop=*/false,
          [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
            return SmallVector<Value>{stored};
          }));
      load.getResult().replaceAllUsesWith(carried.getRegionIterArgs().back());
      rewriter.setInsertionPointAfter(carried);
      memref::StoreOp::create(rewriter, store.getLoc(), carried.getResults().back(),
                              store.getMemRef(), store.getIndices());
      rewriter.eraseOp(store);
      rewriter.eraseOp(load);
      changed = true;
      break; // the walk's loops changed
    }
  }
}

/// The func argument of host operand `operand`, if it has one.
Value argumentOf(func::FuncOp func, const std::vector<unsigned> &hostArguments, unsigned operand) {
  auto position = llvm::find(hostArguments, operand);
  if (position == hostArguments.end())
    return Value();
  return func.getArgument(unsigned(position - hostArguments.begin()));
}

/// Outputs whose initial value is known (a fill's constant, a broadcast's
/// source): each accumulator starts from it instead of loading the output,
/// so the kernel never reads those buffers. False if a load of one is not
/// an accumulator's start (the body reads the output otherwise), or a
/// source map does not take the output's indices.
bool startFromInitialValues(func::FuncOp func, const LinalgKernel &kernel, unsigned operandCount,
                            llvm::ArrayRef<InitialValue> initialValues) {
  struct Start {
    memref::LoadOp load;
    const InitialValue *initial;
    Value source; // the source's buffer, when not a constant
  };
  SmallVector<Start> starts;
  for (const InitialValue &initial : initialValues) {
    Value buffer = argumentOf(func, kernel.hostArguments, initial.operand);
    if (!buffer)
      return false;
    Value source;
    if (!initial.constant) {
      if (initial.sourceMap.getNumDims() != cast<MemRefType>(buffer.getType()).getRank())
        return false;
      auto captured = llvm::find(kernel.captured, initial.source);
      source = argumentOf(func, kernel.hostArguments,
                          operandCount + unsigned(captured - kernel.captured.begin()));
    }
    for (Operation *user : buffer.getUsers()) {
      if (isa<memref::StoreOp>(user))
        continue;
      auto load = dyn_cast<memref::LoadOp>(user);
      if (!load || !load->hasOneUse())
        return false;
      OpOperand &use = *load->use_begin();
      auto loop = dyn_cast<scf::ForOp>(use.getOwner());
      if (!loop || !llvm::is_contained(loop.getInitArgs(), load.getResult()))
        return false;
      starts.push_back({load, &initial, source});
    }
  }
  for (auto [load, initial, source] : starts) {
    OpBuilder b(load);
    Location loc = load.getLoc();
    Value start;
    if (initial->constant) {
      start = arith::ConstantOp::create(b, loc, initial->constant);
    } else {
      SmallVector<Value> indices;
      for (AffineExpr index : initial->sourceMap.getResults())
        indices.push_back(affine::expandAffineExpr(b, loc, index, load.getIndices(), {}));
      start = memref::LoadOp::create(b, loc, source, indices);
    }
    load.getResult().replaceAllUsesWith(start);
    load->erase();
  }
  return true;
}

/// The func's one top-level scf.parallel, collapsed to one dim and tiled by
/// the block (`threads`); false if the lowering left none.
bool collapseAndTile(func::FuncOp func, int64_t &threads, int64_t &points) {
  scf::ParallelOp loop;
  for (Operation &op : func.getBody().front())
    if (auto parallel = dyn_cast<scf::ParallelOp>(op))
      loop = parallel;
  if (!loop)
    return false;
  points = 1;
  for (auto [lower, upper, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    auto l = getConstantIntValue(lower), u = getConstantIntValue(upper),
         s = getConstantIntValue(step);
    if (!l || !u || !s || *l != 0 || *s != 1)
      return false;
    points *= *u;
  }
  IRRewriter rewriter(func.getContext());
  if (loop.getNumLoops() > 1) {
    std::vector<unsigned> all(loop.getNumLoops());
    std::iota(all.begin(), all.end(), 0u);
    rewriter.setInsertionPoint(loop);
    collapseParallelLoops(rewriter, loop, {all});
    loop = nullptr;
    for (Operation &op : func.getBody().front())
      if (auto parallel = dyn_cast<scf::ParallelOp>(op))
        loop = parallel;
  }
  // Whole warps, at most kLinalgBlockThreads.
  threads = std::min<int64_t>(kLinalgBlockThreads, (points + 31) / 32 * 32);
  scf::tileParallelLoop(loop, {threads}, /*noMinMaxBounds=*/true);
  return true;
}

/// Runs the passes `populate` adds on `module`; their diagnostics, on failure,
/// in `diagnostics`.
LogicalResult runPasses(ModuleOp module, llvm::function_ref<void(PassManager &)> populate,
                        std::string &diagnostics) {
  PassManager pm(module.getContext());
  populate(pm);
  llvm::raw_string_ostream os(diagnostics);
  ScopedDiagnosticHandler handler(module.getContext(), [&](Diagnostic &diagnostic) {
    os << diagnostic.str() << "\n";
    return success();
  });
  return pm.run(module);
}

/// What is left of math after the approximations (fma, absf, sqrt, floor,
/// ...) as the instructions NVPTX has for it: NVVM's lowering would call
/// libdevice, which an artifact does not link. absf and copysign are sign
/// bit operations; the rest LLVM intrinsics (fma.rn, sqrt.rn, cvt.rmi/rpi/
/// rzi/rni).
void lowerMathToInstructions(mlir::gpu::GPUFuncOp func) {
  SmallVector<Operation *> ops;
  func.walk([&](Operation *op) {
    if (isa<math::MathDialect>(op->getDialect()))
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    OpBuilder b(op);
    Location loc = op->getLoc();
    Type type = op->getResult(0).getType();
    unsigned width = type.getIntOrFloatBitWidth();
    Type bits = b.getIntegerType(width);
    auto mask = [&](bool sign) {
      APInt value = APInt::getSignMask(width);
      return arith::ConstantOp::create(b, loc, b.getIntegerAttr(bits, sign ? value : ~value));
    };
    auto asBits = [&](Value v) { return arith::BitcastOp::create(b, loc, bits, v); };
    auto intrinsic = [&](llvm::StringRef name) {
      std::string suffix = width == 16 ? ".f16" : width == 64 ? ".f64" : ".f32";
      return LLVM::CallIntrinsicOp::create(b, loc, type, b.getStringAttr(name.str() + suffix),
                                           op->getOperands())
          .getResult(0);
    };
    Value result =
        TypeSwitch<Operation *, Value>(op)
            .Case([&](math::AbsFOp) {
              Value magnitude =
                  arith::AndIOp::create(b, loc, asBits(op->getOperand(0)), mask(false));
              return arith::BitcastOp::create(b, loc, type, magnitude);
            })
            .Case([&](math::CopySignOp) {
              Value magnitude =
                  arith::AndIOp::create(b, loc, asBits(op->getOperand(0)), mask(false));
              Value sign = arith::AndIOp::create(b, loc, asBits(op->getOperand(1)), mask(true));
              return arith::BitcastOp::create(b, loc, type,
                                              arith::OrIOp::create(b, loc, magnitude, sign));
            })
            .Case([&](math::FmaOp) { return intrinsic("llvm.fma"); })
            .Case([&](math::SqrtOp) { return intrinsic("llvm.sqrt"); })
            .Case([&](math::RsqrtOp) { // as the host lowers it: 1 / sqrt
              Value one = arith::ConstantOp::create(b, loc, b.getFloatAttr(type, 1.0));
              return arith::DivFOp::create(b, loc, one, intrinsic("llvm.sqrt")).getResult();
            })
            .Case([&](math::FloorOp) { return intrinsic("llvm.floor"); })
            .Case([&](math::CeilOp) { return intrinsic("llvm.ceil"); })
            .Case([&](math::TruncOp) { return intrinsic("llvm.trunc"); })
            .Case([&](math::RoundEvenOp) { return intrinsic("llvm.roundeven"); })
            .Case([&](math::RoundOp) { return intrinsic("llvm.round"); })
            .Default([](Operation *) { return Value(); });
    if (result) {
      op->getResult(0).replaceAllUsesWith(result);
      op->erase();
    }
  }
}

} // namespace

std::string checkLinalgKernel(linalg::LinalgOp op) {
  if (op->getNumRegions() != 1 || op->getRegion(0).empty())
    return "the op has no body";
  if (op.getNumParallelLoops() == 0)
    return "the op has no parallel dims to spread over threads";
  if (llvm::is_contained(op.getStaticLoopRanges(), 0))
    return "the op has no points";
  for (OpOperand &operand : op->getOpOperands()) {
    Type type = operand.get().getType();
    if (isa<ShapedType>(type)) {
      if (!isStaticIdentityBuffer(type))
        return "operand " + std::to_string(operand.getOperandNumber()) +
               " is not a static, identity-layout tensor or memref";
    } else if (!operand.get().getDefiningOp<arith::ConstantOp>() || !op.isDpsInput(&operand)) {
      return "scalar operand " + std::to_string(operand.getOperandNumber()) + " is not a constant";
    }
  }
  SetVector<Value> above;
  getUsedValuesDefinedAbove(op->getRegion(0), above);
  for (Value value : above) {
    if (isa<RankedTensorType>(value.getType())) {
      // Read element by element (a gather, a table): a kernel argument.
      if (!isStaticIdentityBuffer(value.getType()) ||
          llvm::any_of(value.getUsers(), [&](Operation *user) {
            return op->isProperAncestor(user) &&
                   (!isa<tensor::ExtractOp>(user) || user->getOperand(0) != value);
          }))
        return "its body reads a tensor from outside other than by tensor.extract of static "
               "shape";
    } else if (!value.getDefiningOp<arith::ConstantOp>()) {
      return "its body uses a value from outside that is not a constant";
    }
  }
  std::string unsupported;
  op->getRegion(0).walk([&](Operation *inner) {
    // arith.remf (fmod) would be a libdevice call, which kernels do not link.
    // The transcendental functions are approximated for f32 (and f16 through
    // it) only; on f64 they too would be libdevice calls.
    bool approximated = isa<math::ExpOp, math::ExpM1Op, math::TanhOp, math::ErfOp, math::LogOp,
                            math::Log1pOp, math::Log2Op>(inner) &&
                        !getElementTypeOrSelf(inner->getResult(0).getType()).isF64();
    bool supported =
        (isa<arith::ArithDialect, linalg::LinalgDialect>(inner->getDialect()) &&
         !isa<arith::RemFOp>(inner)) ||
        isa<tensor::ExtractOp, scf::ForOp, scf::YieldOp>(inner) || approximated ||
        isa<math::AbsFOp, math::FmaOp, math::SqrtOp, math::RsqrtOp, math::FloorOp, math::CeilOp,
            math::RoundOp, math::RoundEvenOp, math::TruncOp, math::CopySignOp>(inner);
    if (!supported && unsupported.empty()) {
      unsupported = inner->getName().getStringRef().str();
      if (isa<math::MathDialect>(inner->getDialect()))
        llvm::raw_string_ostream(unsupported) << " on " << inner->getResult(0).getType();
    }
  });
  if (!unsupported.empty())
    return "its body has " + unsupported +
           " (arith but remf, linalg.index, scf.for and the math quantc approximates, on f32 "
           "and f16, or has instructions for)";
  return "";
}

llvm::Expected<LinalgKernel> buildLinalgKernel(linalg::LinalgOp op, llvm::StringRef name,
                                               llvm::ArrayRef<InitialValue> initialValues) {
  if (std::string why = checkLinalgKernel(op); !why.empty())
    return llvm::createStringError(why);
  MLIRContext *context = op->getContext();
  context->loadDialect<affine::AffineDialect, arith::ArithDialect, func::FuncDialect,
                       LLVM::LLVMDialect, mlir::gpu::GPUDialect, linalg::LinalgDialect,
                       memref::MemRefDialect, scf::SCFDialect>();
  LinalgKernel kernel;
  SmallVector<Value> sources;
  for (const InitialValue &initial : initialValues)
    if (!initial.constant) {
      auto type = dyn_cast<RankedTensorType>(initial.source.getType());
      if (!type || !isStaticIdentityBuffer(type) ||
          type.getRank() != initial.sourceMap.getNumResults())
        return llvm::createStringError("an initial value's source is not a static tensor "
                                       "that its map indexes");
      sources.push_back(initial.source);
    }
  OwningOpRef<ModuleOp> loops =
      rebuildOnMemrefs(op, name, kernel.hostArguments, kernel.captured, sources);
  { // The host's math: no libm, no libdevice.
    RewritePatternSet patterns(context);
    populateMathApproximationPatterns(patterns);
    if (failed(applyPatternsGreedily(*loops, std::move(patterns))))
      return llvm::createStringError("approximating the math of " +
                                     op->getName().getStringRef().str() + " failed");
  }
  std::string diagnostics;
  if (failed(runPasses(
          *loops,
          [](PassManager &pm) {
            pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
          },
          diagnostics)))
    return llvm::createStringError("lowering " + op->getName().getStringRef().str() +
                                   " to loops failed: " + diagnostics);
  auto func = cast<func::FuncOp>(loops->getBody()->front());
  accumulateInRegisters(func);
  if (!startFromInitialValues(func, kernel, op->getNumOperands(), initialValues))
    return llvm::createStringError(op->getName().getStringRef().str() +
                                   " reads an output other than as an accumulator's start");
  // Few short rows: a warp a point, the host twin computing the same
  // partial sums in the same order.
  OwningOpRef<ModuleOp> twin;
  int64_t threads = 0, points = 0;
  if (takesWarpRows(func)) {
    twin = loops->clone();
    auto twinFunc = cast<func::FuncOp>(twin->getBody()->front());
    warpRowsOnHost(twinFunc);
    if (!collapseAndTile(twinFunc, threads, points))
      return llvm::createStringError("the host twin of " + op->getName().getStringRef().str() +
                                     " has no parallel loop over its points");
    warpRowsOnDevice(func);
  }
  if (!collapseAndTile(func, threads, points))
    return llvm::createStringError("lowering " + op->getName().getStringRef().str() +
                                   " left no parallel loop over its points");
  kernel.host = twin ? std::move(twin) : loops->clone();

  if (failed(runPasses(
          *loops,
          [](PassManager &pm) {
            pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
            pm.addPass(createConvertParallelLoopToGpuPass());
            pm.addPass(createCanonicalizerPass());
            pm.addPass(createCSEPass());
          },
          diagnostics)))
    return llvm::createStringError("mapping " + op->getName().getStringRef().str() +
                                   " to the GPU failed: " + diagnostics);
  mlir::gpu::LaunchOp launch;
  loops->walk([&](mlir::gpu::LaunchOp found) { launch = found; });
  auto gridX = launch ? getConstantIntValue(launch.getGridSizeX()) : std::nullopt;
  if (!gridX || getConstantIntValue(launch.getGridSizeY()) != 1 ||
      getConstantIntValue(launch.getGridSizeZ()) != 1 ||
      getConstantIntValue(launch.getBlockSizeX()) != threads)
    return llvm::createStringError("the GPU mapping of " + op->getName().getStringRef().str() +
                                   " has no launch of " + std::to_string(threads) +
                                   " threads on a 1-D grid");
  kernel.launch = {{*gridX, 1, 1}, threads};

  // Outlined with constants inside, so that its arguments are the buffers.
  if (failed(sinkOperationsIntoLaunchOp(
          launch, [](Operation *inner) { return inner->hasTrait<OpTrait::ConstantLike>(); })))
    return llvm::createStringError("outlining " + op->getName().getStringRef().str() + " failed");
  SmallVector<Value> captured;
  mlir::gpu::GPUFuncOp gpuFunc = outlineKernelFunc(launch, name, captured);
  for (Value value : captured) {
    auto argument = dyn_cast<BlockArgument>(value);
    if (!argument || argument.getOwner() != &func.getBody().front()) {
      gpuFunc->erase();
      return llvm::createStringError("the GPU kernel of " + op->getName().getStringRef().str() +
                                     " takes a value other than its buffers");
    }
    kernel.arguments.push_back(kernel.hostArguments[argument.getArgNumber()]);
  }

  // Into the `gpu.module @kernels` every quantc image holds.
  OpBuilder b(context);
  Location loc = op.getLoc();
  kernel.module = ModuleOp::create(loc);
  kernel.module.get()->setAttr(mlir::gpu::GPUDialect::getContainerModuleAttrName(),
                               b.getUnitAttr());
  b.setInsertionPointToStart(kernel.module->getBody());
  auto kernels = mlir::gpu::GPUModuleOp::create(b, loc, "kernels");
  kernels.getBody()->push_front(gpuFunc);
  lowerMathToInstructions(gpuFunc);
  if (failed(runPasses(
          *kernel.module, [](PassManager &pm) { pm.addPass(createCanonicalizerPass()); },
          diagnostics)))
    return llvm::createStringError("simplifying the kernel of " +
                                   op->getName().getStringRef().str() + " failed: " + diagnostics);
  return kernel;
}

} // namespace quantc::codegen::gpu
