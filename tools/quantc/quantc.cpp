// quantc: the compiler driver (`quantc import ...`; more subcommands follow the pipeline).
#include "quantc/Driver/Driver.h"
#include "quantc/Import/ONNX.h"
#include "quantc/InitAll.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Format.h"

#include <chrono>

namespace cl = llvm::cl;

static cl::SubCommand importCommand("import", "Import an ONNX model into qnn IR");
static cl::opt<std::string> importModel(cl::Positional, cl::desc("<model.onnx>"), cl::Required,
                                        cl::sub(importCommand));
static cl::opt<std::string> importOutput(
    "o", cl::desc("Output file: .mlirbc writes bytecode, anything else text (default: stdout)"),
    cl::value_desc("file"), cl::init("-"), cl::sub(importCommand));
static cl::list<std::string> inputShapes(
    "input-shape", cl::desc("Bind the dims of a graph input, e.g. x=1,3,48,320 (repeatable)"),
    cl::value_desc("name=dims"), cl::sub(importCommand));
static cl::list<std::string> inputValues(
    "input-value",
    cl::desc("Freeze a graph input to the TensorProto in a .pb file (repeatable)"),
    cl::value_desc("name=file.pb"), cl::sub(importCommand));
static cl::opt<bool> noCleanup("no-cleanup",
                               cl::desc("Keep shape subgraphs and dead ops (no folding)"),
                               cl::sub(importCommand));
static cl::opt<bool> printStats("stats", cl::desc("Print op and weight counts to stderr"),
                                cl::sub(importCommand));
static cl::opt<bool> printTime("time", cl::desc("Print import and write times to stderr"),
                               cl::sub(importCommand));

static int fail(const std::string &message) {
  llvm::errs() << "quantc: error: " << message << "\n";
  return 1;
}

/// Prints diagnostics as "file: error: message" (ONNX files have no line numbers).
static mlir::LogicalResult printDiagnostic(mlir::Diagnostic &diag) {
  mlir::Location loc = diag.getLocation();
  if (auto name = llvm::dyn_cast<mlir::NameLoc>(loc))
    loc = name.getChildLoc();
  llvm::raw_ostream &os = llvm::errs();
  if (auto file = llvm::dyn_cast<mlir::FileLineColLoc>(loc)) {
    os << file.getFilename().getValue();
    if (file.getLine())
      os << ":" << file.getLine() << ":" << file.getColumn();
  } else {
    os << "quantc";
  }
  switch (diag.getSeverity()) {
  case mlir::DiagnosticSeverity::Error: os << ": error: "; break;
  case mlir::DiagnosticSeverity::Warning: os << ": warning: "; break;
  case mlir::DiagnosticSeverity::Note: os << ": note: "; break;
  case mlir::DiagnosticSeverity::Remark: os << ": remark: "; break;
  }
  os << diag.str() << "\n";
  for (mlir::Diagnostic &note : diag.getNotes())
    (void)printDiagnostic(note);
  return mlir::success();
}

static int runImport() {
  quantc::ONNXImportOptions options;
  options.cleanup = !noCleanup;
  for (const std::string &spec : inputShapes)
    if (std::string error = quantc::parseInputShape(spec, options); !error.empty())
      return fail(error);
  for (const std::string &spec : inputValues) {
    auto [name, file] = llvm::StringRef(spec).split('=');
    if (name.empty() || file.empty())
      return fail("--input-value expects name=file.pb, got '" + spec + "'");
    options.inputValues[name.str()] = file.str();
  }

  mlir::DialectRegistry registry;
  quantc::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  context.disableMultithreading(); // one graph, no parallel work: skip the thread pool
  mlir::ScopedDiagnosticHandler diagnostics(&context, printDiagnostic);

  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  auto module = quantc::importONNXModel(importModel, context, options);
  if (!module)
    return 1;
  auto imported = Clock::now();
  if (std::string error = quantc::writeModuleAtomically(*module, importOutput); !error.empty())
    return fail(error);
  auto written = Clock::now();

  if (printStats)
    quantc::printModuleStats(quantc::computeModuleStats(*module), llvm::errs());
  if (printTime) {
    auto seconds = [](auto d) { return std::chrono::duration<double>(d).count(); };
    llvm::errs() << llvm::format("import: %.3f s\nwrite: %.3f s\n",
                                 seconds(imported - start), seconds(written - imported));
  }
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv,
                              "quantc: quantization compiler for ONNX models\n\n"
                              "  quantc import model.onnx [-o out.mlir|out.mlirbc] "
                              "[--input-shape x=1,3,48,320]\n");
  if (importCommand)
    return runImport();
  llvm::errs() << "quantc: expected a subcommand (quantc --help lists them)\n";
  return 1;
}
