// quant-opt: mlir-opt with the qnn dialect and every quantc pass registered.
// Its input is scanned first for the arrays that crash upstream's linalg
// parsers (quantc/Support/ParserGuard.h), which it reports as errors.
#include "quantc/Driver/QuantizePipeline.h"
#include "quantc/InitAll.h"
#include "quantc/Support/ParserGuard.h"

#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

#include <cstdio>

namespace {

/// Reports the first array upstream would crash on; true if there was one.
bool reportParserHazard(const llvm::MemoryBuffer &input) {
  std::optional<quantc::ParserHazard> hazard = quantc::findParserHazard(input.getBuffer());
  if (!hazard)
    return false;
  llvm::SourceMgr sources;
  sources.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBuffer(input.getMemBufferRef()),
                             llvm::SMLoc());
  sources.PrintMessage(llvm::errs(),
                       llvm::SMLoc::getFromPointer(input.getBufferStart() + hazard->offset),
                       llvm::SourceMgr::DK_Error, hazard->message);
  return true;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  mlir::DialectRegistry registry;
  quantc::registerAllDialects(registry);
  quantc::registerAllPasses();
  quantc::registerQuantizePipeline(); // the driver's flow, with its flags as options
  auto [inputName, outputName] =
      mlir::registerAndParseCLIOptions(argc, argv, "quantc optimizer driver\n", registry);

  mlir::MlirOptMainConfig config = mlir::MlirOptMainConfig::createFromCLOptions();
  if (config.shouldShowDialects() || config.shouldListPasses())
    return mlir::asMainReturnCode(mlir::MlirOptMain(argc, argv, inputName, outputName, registry));

  // The rest is MlirOptMain's own file handling, with the scan in between.
  if (inputName == "-" && llvm::sys::Process::FileDescriptorIsDisplayed(fileno(stdin)))
    llvm::errs() << "(processing input from stdin now, hit ctrl-c/ctrl-d to interrupt)\n";
  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> input = mlir::openInputFile(inputName, &error);
  if (!input) {
    llvm::errs() << error << "\n";
    return EXIT_FAILURE;
  }
  if (reportParserHazard(*input))
    return EXIT_FAILURE; // before the output file exists: no partial output
  std::unique_ptr<llvm::ToolOutputFile> output = mlir::openOutputFile(outputName, &error);
  if (!output) {
    llvm::errs() << error << "\n";
    return EXIT_FAILURE;
  }
  if (mlir::failed(mlir::MlirOptMain(output->os(), std::move(input), registry, config)))
    return EXIT_FAILURE;
  output->keep();
  return EXIT_SUCCESS;
}
