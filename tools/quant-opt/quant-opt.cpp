// quant-opt: mlir-opt with the qnn dialect and every quantc pass registered.
#include "quantc/Driver/QuantizePipeline.h"
#include "quantc/InitAll.h"

#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  quantc::registerAllDialects(registry);
  quantc::registerAllPasses();
  quantc::registerQuantizePipeline(); // the driver's flow, with its flags as options
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "quantc optimizer driver\n", registry));
}
