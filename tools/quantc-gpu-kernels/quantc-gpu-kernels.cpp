// quantc-gpu-kernels: writes one generated GPU kernel as MLIR (gpu, nvgpu,
// nvvm dialects) or PTX, for the PTX tests, the ptxas gate and bench/gpu.
//   quantc-gpu-kernels --m 16 --n 4096 --k 4096 --bits 4 --group 128 --chip sm_80 --emit ptx -o k.ptx
#include "quantc/Codegen/GPUKernels.h"
#include "quantc/Codegen/GPULinalgKernels.h"
#include "quantc/Support/AtomicFile.h"
#include "quantc/Support/ParserGuard.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/SourceMgr.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>

namespace cl = llvm::cl;

/// The tool's own options: --help lists these, not LLVM's globals.
static cl::OptionCategory generatorOptions("Kernel generator options");

static cl::opt<std::string> kernel("kernel",
                                   cl::desc("weight-only-gemm, w8a8-gemm, f16-gemm, copy, linalg, "
                                            "stage-halves or stage-bytes (--m rows, --n "
                                            "source columns, --k columns)"),
                                   cl::init("weight-only-gemm"), cl::cat(generatorOptions));
static cl::opt<std::string>
    input("input",
          cl::desc("linalg: an MLIR file; each linalg op in it becomes the kernel "
                   "<name>_<i>, launched as a comment before it says"),
          cl::cat(generatorOptions));
static cl::opt<int64_t> m("m", cl::desc("rows of x"), cl::init(1), cl::cat(generatorOptions));
static cl::opt<int64_t> n("n", cl::desc("output columns (rows of W)"), cl::init(0),
                          cl::cat(generatorOptions));
static cl::opt<int64_t> k("k", cl::desc("input columns"), cl::init(0), cl::cat(generatorOptions));
static cl::opt<int64_t> words("words", cl::desc("copy: 32-bit words (a multiple of 1024)"),
                              cl::init(0), cl::cat(generatorOptions));
static cl::opt<unsigned> bits("bits", cl::desc("weight bits: 2, 4 or 8"), cl::init(4),
                              cl::cat(generatorOptions));
static cl::opt<int64_t> group("group", cl::desc("K rows per scale (0: per output row)"),
                              cl::init(0), cl::cat(generatorOptions));
static cl::opt<bool> asymmetric("asymmetric", cl::desc("one zero point per scale"),
                                cl::cat(generatorOptions));
static cl::opt<bool> exact("exact", cl::desc("w8a8-gemm: y is the s32 sum itself (no scales)"),
                           cl::cat(generatorOptions));
static cl::opt<int64_t> splitK("split-k", cl::desc("blocks along K (atomic f32 adds into y)"),
                               cl::init(1), cl::cat(generatorOptions));
static cl::opt<int64_t> warps("warps", cl::desc("warps per block: 1, 2 or 4"), cl::init(1),
                              cl::cat(generatorOptions));
static cl::opt<bool> stageA("stage-a",
                            cl::desc("A through shared memory (cp.async, ldmatrix, two stages)"),
                            cl::cat(generatorOptions));
static cl::opt<int64_t>
    prefetch("prefetch", cl::desc("weight-only, A not staged: K tiles of weights loaded ahead"),
             cl::init(8), cl::cat(generatorOptions));
static cl::opt<bool> scaleAfterMma(
    "scale-after-mma",
    cl::desc(
        "weight-only, A not staged: scale each prefetch iteration's f32 sums, not each weight"),
    cl::cat(generatorOptions));
static cl::opt<bool>
    streamK("stream-k",
            cl::desc("weight-only, A not staged: stream-K (as many blocks as the device "
                     "holds, equal runs of (N group, iteration) items; --split-k 1)"),
            cl::cat(generatorOptions));
static cl::opt<bool> splitPartials(
    "split-partials",
    cl::desc("weight-only and fp16, split-K: each block stores its sums into its own slice of "
             "y ([split-k][M][N]) instead of adding them atomically (quantc compile's "
             "--gpu-deterministic)"),
    cl::cat(generatorOptions));
static cl::opt<bool>
    permuteK("permute-k",
             cl::desc("weight-only, A not staged: each 64-row block of K permuted so that a "
                      "lane reads its A in 16-byte runs (K and the group multiples of 64)"),
             cl::cat(generatorOptions));
static cl::opt<int64_t> weightStages(
    "weight-stages",
    cl::desc("weight-only, A not staged: 0 loads the next iteration's weights into registers; "
             "2-8 copies that many stages less one ahead into shared memory (cp.async)"),
    cl::init(0), cl::cat(generatorOptions));
static cl::opt<int64_t> nTiles("n-tiles",
                               cl::desc("f16-gemm and w8a8-gemm: N tiles a warp multiplies "
                                        "with each A fragment it loads (1, 2, 4 or 8)"),
                               cl::init(1), cl::cat(generatorOptions));
static cl::opt<bool> weightsAhead(
    "weights-ahead",
    cl::desc("weight-only, A staged: load each K tile's weights an iteration ahead (_p1), not "
             "as its mma needs them (applied after --gemv's launch)"),
    cl::cat(generatorOptions));
static cl::opt<bool> weightsPastL1(
    "weights-past-l1",
    cl::desc("weight-only, weights in registers: load them past L1 with an evict-first L2 "
             "policy (_nc; applied after --gemv's launch)"),
    cl::cat(generatorOptions));
static cl::opt<std::string> gemv(
    "gemv",
    cl::desc("weight-only: the launch quantc gives this shape with `quantc compile --gpu-gemv` "
             "set so (split-k or stream-k, then :options), in place of --split-k, --warps, "
             "--stage-a, --prefetch and the variant flags"),
    cl::cat(generatorOptions));
static cl::opt<std::string> conv(
    "conv",
    cl::desc("weight-only (staged), f16 and W8A8: an implicit convolution gathering A from its "
             "input, CxHxW:KHxKW:SHxSW:DHxDW[:TxLxBxR] (channels, height, width; kernel; strides; "
             "dilations; the zero padding it gathers around the input: top, left, bottom, "
             "right)"),
    cl::cat(generatorOptions));
static cl::opt<bool> floatInput(
    "float-input",
    cl::desc("with --conv (weight-only and f16): the input is f32, staged to f16 tap by tap as "
             "the gather loads it (a resident activation, no stage kernel)"),
    cl::cat(generatorOptions));
static cl::opt<int64_t>
    floatK("float-k",
           cl::desc("weight-only and f16 without --conv: x is f32 with this many of K's columns "
                    "(rows with --transposed), staged to f16 as it is loaded (no stage kernel)"),
           cl::init(0), cl::cat(generatorOptions));
static cl::opt<int64_t> codeColumns(
    "code-columns",
    cl::desc("w8a8-gemm without --conv: x's rows are this many int8 codes (under K), read as "
             "they are with zeros past them (no stage kernel)"),
    cl::init(0), cl::cat(generatorOptions));
static cl::opt<bool>
    transposed("transposed",
               cl::desc("f16: x as [K, M] and y as [N, M] (a convolution's W x im2col)"),
               cl::cat(generatorOptions));
static cl::opt<std::string> chip("chip", cl::desc("sm_80, sm_90, ..."), cl::init("sm_80"),
                                 cl::cat(generatorOptions));
static cl::opt<std::string> ptxVersion("ptx", cl::desc("PTX ISA feature"), cl::init("ptx80"),
                                       cl::cat(generatorOptions));
static cl::opt<std::string> emit("emit", cl::desc("mlir or ptx"), cl::init("ptx"),
                                 cl::cat(generatorOptions));
static cl::opt<std::string>
    name("name",
         cl::desc("kernel name; 'spec': the name quantc gives the kernel in "
                  "an artifact (qc_wo_..., qc_f16_..., qc_i8_..., qc_copy)"),
         cl::init("weight_only_gemm"), cl::cat(generatorOptions));
static cl::opt<std::string> output("o", cl::desc("output file"), cl::init("-"),
                                   cl::cat(generatorOptions));

static int fail(const std::string &message) {
  llvm::errs() << "quantc-gpu-kernels: error: " << message << "\n";
  return 1;
}

/// Writes `text` to -o.
static int write(const std::string &text) {
  if (output == "-") {
    llvm::outs() << text;
    return 0;
  }
  if (auto error = quantc::writeFileAtomically(output, text))
    return fail(llvm::toString(std::move(error)));
  return 0;
}

/// --kernel linalg: every linalg op of --input as a kernel, with its launch
/// (and, with --emit mlir, the loop nest it runs on the CPU) in comments.
static int emitLinalgKernels(mlir::MLIRContext &context) {
  mlir::DialectRegistry registry;
  registry
      .insert<mlir::arith::ArithDialect, mlir::func::FuncDialect, mlir::linalg::LinalgDialect,
              mlir::math::MathDialect, mlir::memref::MemRefDialect, mlir::tensor::TensorDialect>();
  context.appendDialectRegistry(registry);
  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> file = mlir::openInputFile(input, &error);
  if (!file)
    return fail(error);
  const char *start = file->getBufferStart();
  std::optional<quantc::ParserHazard> hazard = quantc::findParserHazard(file->getBuffer());
  llvm::SourceMgr sources;
  sources.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  if (hazard) { // upstream's parser would crash on it
    sources.PrintMessage(llvm::errs(), llvm::SMLoc::getFromPointer(start + hazard->offset),
                         llvm::SourceMgr::DK_Error, hazard->message);
    return 1;
  }
  mlir::SourceMgrDiagnosticHandler diagnostics(sources, &context);
  mlir::OwningOpRef<mlir::ModuleOp> source =
      mlir::parseSourceFile<mlir::ModuleOp>(sources, &context);
  if (!source)
    return 1;
  std::vector<mlir::linalg::LinalgOp> ops;
  source->walk([&](mlir::linalg::LinalgOp op) { ops.push_back(op); });
  if (ops.empty())
    return fail(input + " has no linalg op");
  std::string text, comments;
  llvm::raw_string_ostream os(text), notes(comments);
  mlir::OwningOpRef<mlir::ModuleOp> kernels;
  for (auto [i, op] : llvm::enumerate(ops)) {
    std::string kernelName = name + "_" + std::to_string(i);
    auto built = quantc::codegen::gpu::buildLinalgKernel(op, kernelName);
    if (!built)
      return fail(input + ": " + op->getName().getStringRef().str() + ": " +
                  llvm::toString(built.takeError()));
    notes << "// " << kernelName << ": grid " << built->launch.grid[0] << ", "
          << built->launch.threads << " threads, arguments: operands";
    for (unsigned argument : built->arguments)
      notes << " " << argument;
    notes << "\n";
    if (emit == "mlir")
      built->host->print(notes << "// its loop nest on the CPU:\n");
    if (!kernels) {
      kernels = std::move(built->module);
      continue;
    }
    auto into = *kernels->getOps<mlir::gpu::GPUModuleOp>().begin();
    for (auto func :
         llvm::make_early_inc_range((*built->module->getOps<mlir::gpu::GPUModuleOp>().begin())
                                        .getOps<mlir::gpu::GPUFuncOp>()))
      func->moveBefore(into.getBody(), into.getBody()->end());
  }
  if (emit == "mlir") {
    os << comments;
    kernels->print(os);
    os << "\n";
    return write(text);
  }
  auto ptx = quantc::codegen::gpu::compileToPTX(*kernels, chip, ptxVersion);
  if (!ptx)
    return fail(llvm::toString(ptx.takeError()));
  return write(comments + *ptx);
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(generatorOptions);
  cl::ParseCommandLineOptions(argc, argv, "quantc GPU kernel generator\n");
  if (emit != "mlir" && emit != "ptx")
    return fail("--emit must be mlir or ptx, got '" + emit + "'");
  std::optional<quantc::codegen::gpu::ImplicitConv> implicit;
  if (!conv.empty()) {
    quantc::codegen::gpu::ImplicitConv geometry;
    char end;
    int read = std::sscanf(conv.c_str(), "%ldx%ldx%ld:%ldx%ld:%ldx%ld:%ldx%ld:%ldx%ldx%ldx%ld%c",
                           &geometry.channels, &geometry.height, &geometry.width, &geometry.kernelH,
                           &geometry.kernelW, &geometry.strideH, &geometry.strideW,
                           &geometry.dilationH, &geometry.dilationW, &geometry.padTop,
                           &geometry.padLeft, &geometry.padBottom, &geometry.padRight, &end);
    if (read != 9 && read != 13)
      return fail("--conv must be CxHxW:KHxKW:SHxSW:DHxDW[:TxLxBxR], got '" + conv + "'");
    geometry.floatInput = floatInput;
    implicit = geometry;
  } else if (floatInput) {
    return fail("--float-input needs --conv");
  }
  quantc::codegen::gpu::WeightOnlyGemm gemm{m,      n,     k,      bits,     group,   asymmetric,
                                            splitK, warps, stageA, prefetch, implicit};
  gemm.scaleAfterMma = scaleAfterMma;
  gemm.streamK = streamK;
  gemm.permuteK = permuteK;
  gemm.weightStages = weightStages;
  gemm.floatK = floatK;
  if (!gemv.empty()) { // the artifact's kernel for this shape
    quantc::codegen::gpu::GemvTuning tuning;
    if (std::string why = quantc::codegen::gpu::parseGemvTuning(gemv, tuning); !why.empty())
      return fail("--gemv " + gemv + ": " + why);
    quantc::codegen::gpu::chooseLaunch(gemm, tuning);
  }
  gemm.splitPartials = splitPartials;
  gemm.stagedWeightsAhead = weightsAhead;
  gemm.weightsPastL1 = gemm.weightsPastL1 || weightsPastL1;
  quantc::codegen::gpu::HalfGemm half{m, n, k, splitK, transposed, implicit};
  half.floatK = floatK;
  half.splitPartials = splitPartials;
  half.nTilesPerWarp = nTiles;
  quantc::codegen::gpu::W8A8Gemm integer{m, n, k, splitK, exact, implicit};
  integer.codeColumns = codeColumns;
  integer.nTilesPerWarp = nTiles;
  if (kernel == "weight-only-gemm") {
    if (std::string why = quantc::codegen::gpu::checkWeightOnlyGemm(gemm); !why.empty())
      return fail(why);
  } else if (kernel == "w8a8-gemm") {
    if (std::string why = quantc::codegen::gpu::checkW8A8Gemm(integer); !why.empty())
      return fail(why);
  } else if (kernel == "f16-gemm") {
    if (std::string why = quantc::codegen::gpu::checkHalfGemm(half); !why.empty())
      return fail(why);
  } else if (kernel == "stage-halves" || kernel == "stage-bytes") {
    if (m < 1 || n < 1 || k < n)
      return fail("--kernel " + kernel + " needs --m >= 1 rows and 1 <= --n <= --k columns");
  } else if (kernel == "linalg") {
    if (input.empty())
      return fail("--kernel linalg needs --input FILE.mlir");
  } else if (kernel == "copy") {
    if (words <= 0 || words % 1024)
      return fail("--words must be a positive multiple of 1024");
  } else {
    return fail("--kernel must be weight-only-gemm, w8a8-gemm, f16-gemm, copy, linalg, "
                "stage-halves or stage-bytes, got '" +
                kernel + "'");
  }
  LLVMInitializeNVPTXTarget();
  LLVMInitializeNVPTXTargetInfo();
  LLVMInitializeNVPTXTargetMC();
  LLVMInitializeNVPTXAsmPrinter();
  mlir::MLIRContext context;
  if (kernel == "linalg")
    return emitLinalgKernels(context);
  quantc::codegen::gpu::StageKernel stage{m, n, k, kernel == "stage-halves"};
  if (name == "spec") // what an artifact (and the emulated driver) calls it
    name = llvm::StringRef(kernel).starts_with("stage") ? quantc::codegen::gpu::kernelName(stage)
           : kernel == "copy"                           ? std::string("qc_copy")
           : kernel == "w8a8-gemm"                      ? quantc::codegen::gpu::kernelName(integer)
           : kernel == "f16-gemm"                       ? quantc::codegen::gpu::kernelName(half)
                                                        : quantc::codegen::gpu::kernelName(gemm);
  auto module =
      llvm::StringRef(kernel).starts_with("stage")
          ? quantc::codegen::gpu::buildStageKernel(context, stage, name)
      : kernel == "copy"      ? quantc::codegen::gpu::buildCopyKernel(context, words, name)
      : kernel == "w8a8-gemm" ? quantc::codegen::gpu::buildW8A8Gemm(context, integer, name)
      : kernel == "f16-gemm"  ? quantc::codegen::gpu::buildHalfGemm(context, half, name)
                              : quantc::codegen::gpu::buildWeightOnlyGemm(context, gemm, name);
  std::string text;
  if (emit == "mlir") {
    llvm::raw_string_ostream os(text);
    module->print(os);
    os << "\n";
  } else {
    auto ptx = quantc::codegen::gpu::compileToPTX(*module, chip, ptxVersion);
    if (!ptx)
      return fail(llvm::toString(ptx.takeError()));
    text = *ptx;
  }
  return write(text);
}
