// --emit=asm: the target's assembly for a lowered module, as the artifact
// would compile it, in one piece (no partitions: the text reads in order).
#include "quantc/Execution/Execution.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Transforms/IPO/MergeFunctions.h"

namespace quantc {

llvm::Expected<std::string> emitAssembly(mlir::ModuleOp lowered, const TargetSpec &target) {
  auto machine = createTargetMachine(target);
  if (!machine)
    return machine.takeError();
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> module = mlir::translateModuleToLLVMIR(lowered, context);
  if (!module)
    return llvm::createStringError("translation to LLVM IR failed");
  module->setDataLayout((*machine)->createDataLayout());
  module->setTargetTriple((*machine)->getTargetTriple());
  llvm::MergeFunctionsPass::runOnModule(*module); // as compileToObjects does
  if (auto error = mlir::makeOptimizingTransformer(/*optLevel=*/2, 0, machine->get())(module.get()))
    return std::move(error);
  llvm::SmallString<0> text;
  llvm::raw_svector_ostream os(text);
  llvm::legacy::PassManager codegen;
  if ((*machine)->addPassesToEmitFile(codegen, os, nullptr, llvm::CodeGenFileType::AssemblyFile))
    return llvm::createStringError("target " + target.triple + " cannot emit assembly");
  codegen.run(*module);
  return std::string(text.str());
}

} // namespace quantc
