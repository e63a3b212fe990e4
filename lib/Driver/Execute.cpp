// `quantc compile` and `quantc run`: the execution half of the driver.
#include "quantc/Codegen/GPUGemvTuning.h"
#include "quantc/Driver/Driver.h"
#include "quantc/Execution/Execution.h"
#include "quantc/Export/ONNX.h"
#include "quantc/Runtime/quantc_runtime.h"
#include "quantc/Support/AtomicFile.h"

#include "mlir/Pass/PassManager.h"
#include "passes/Pipelines/Pipelines.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <chrono>

namespace quantc {

namespace {

using Clock = std::chrono::steady_clock;
double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

/// An .npy input with the graph input name it binds (empty: positional).
struct BoundInput {
  std::string name, path;
  quantc_tensor tensor{};
  ~BoundInput() { quantc_tensor_free(&tensor); }
};

llvm::Error readInputs(const std::vector<std::string> &specs,
                       std::vector<std::unique_ptr<BoundInput>> &inputs) {
  for (const std::string &spec : specs) {
    auto input = std::make_unique<BoundInput>();
    auto [name, path] = llvm::StringRef(spec).split('=');
    if (path.empty())
      input->path = spec;
    else
      input->name = name.str(), input->path = path.str();
    char error[512];
    if (quantc_npy_read(input->path.c_str(), &input->tensor, error, sizeof error))
      return llvm::createStringError(error);
    inputs.push_back(std::move(input));
  }
  return llvm::Error::success();
}

quantc_tensor_info infoOf(const TensorSignature &signature) {
  return {signature.name.c_str(), signature.dtype, int32_t(signature.shape.size()),
          signature.shape.data()};
}

/// Orders `inputs` like the model's inputs: by name, or by position when unnamed.
llvm::Expected<std::vector<const quantc_tensor *>>
bindInputs(llvm::ArrayRef<quantc_tensor_info> wanted,
           const std::vector<std::unique_ptr<BoundInput>> &inputs) {
  std::vector<const quantc_tensor *> bound(wanted.size(), nullptr);
  for (size_t position = 0; position < inputs.size(); ++position) {
    const BoundInput *input = inputs[position].get();
    size_t index = position;
    if (!input->name.empty()) {
      auto it = llvm::find_if(wanted, [&](const quantc_tensor_info &info) {
        return input->name == info.name;
      });
      if (it == wanted.end()) {
        std::string names;
        for (auto &info : wanted)
          names += (names.empty() ? "" : ", ") + std::string(info.name);
        return llvm::createStringError("the model has no input '" + input->name +
                                       "' (inputs: " + names + ")");
      }
      index = it - wanted.begin();
    } else if (inputs.size() != 1 && wanted.size() != 1) {
      return llvm::createStringError("name each input as --input name=file.npy when the model "
                                     "has several inputs");
    }
    if (index >= wanted.size() || bound[index])
      return llvm::createStringError("input '" + input->path + "' binds no free model input");
    char error[512];
    if (quantc_tensor_check(&wanted[index], &input->tensor, "input", error, sizeof error))
      return llvm::createStringError(input->path + ": " + error);
    bound[index] = &input->tensor;
  }
  for (auto [index, tensor] : llvm::enumerate(bound))
    if (!tensor)
      return llvm::createStringError("no value for model input '" +
                                     std::string(wanted[index].name) + "' (use --input " +
                                     wanted[index].name + "=file.npy)");
  return bound;
}

/// One output: -o names the file; several: -o names a directory of <name>.npy.
/// Without -o, a summary is printed.
llvm::Error writeOutputs(llvm::StringRef output, llvm::ArrayRef<quantc_tensor_info> infos,
                         llvm::ArrayRef<quantc_tensor> tensors) {
  if (output.empty()) {
    for (auto [info, tensor] : llvm::zip(infos, tensors)) {
      llvm::outs() << info.name << ": " << quantc_dtype_name(info.dtype) << "[";
      for (int32_t d = 0; d < info.rank; ++d)
        llvm::outs() << (d ? "," : "") << info.shape[d];
      llvm::outs() << "]";
      if (info.dtype == QUANTC_FLOAT32) {
        auto *data = static_cast<const float *>(tensor.data);
        int64_t n = std::min<int64_t>(quantc_info_numel(&info), 8);
        llvm::outs() << " =";
        for (int64_t i = 0; i < n; ++i)
          llvm::outs() << " " << llvm::format("%.6g", data[i]);
        if (quantc_info_numel(&info) > n)
          llvm::outs() << " ...";
      }
      llvm::outs() << "\n";
    }
    return llvm::Error::success();
  }
  bool toDirectory = infos.size() > 1 || llvm::sys::fs::is_directory(output);
  // Each .npy is written atomically; a directory of them appears only whole.
  std::optional<StagedDirectory> staged;
  if (toDirectory) {
    auto created = StagedDirectory::create(output);
    if (!created)
      return created.takeError();
    staged.emplace(std::move(*created));
  }
  for (auto [info, tensor] : llvm::zip(infos, tensors)) {
    llvm::SmallString<256> path(toDirectory ? staged->path() : output);
    if (toDirectory)
      llvm::sys::path::append(path, sanitizeIdentifier(info.name) + ".npy");
    char error[512];
    if (quantc_npy_write(path.c_str(), &tensor, error, sizeof error))
      return llvm::createStringError(error);
  }
  return staged ? staged->commit() : llvm::Error::success();
}

/// Runs `call` options.repeat times; prints min/median when asked.
void timeRuns(const ExecuteOptions &options, llvm::function_ref<void()> call) {
  std::vector<double> times;
  for (int i = 0; i < options.repeat; ++i) {
    auto start = Clock::now();
    call();
    times.push_back(seconds(Clock::now() - start) * 1e3);
  }
  if (!options.printTime || times.empty())
    return;
  std::sort(times.begin(), times.end());
  llvm::errs() << llvm::format("run: min %.3f ms, median %.3f ms over %zu runs\n", times.front(),
                               times[times.size() / 2], times.size());
}

struct OutputBuffers {
  std::vector<quantc_tensor> tensors;
  ~OutputBuffers() {
    for (auto &t : tensors)
      quantc_tensor_free(&t);
  }
};

llvm::Error runArtifact(const ExecuteOptions &options,
                        const std::vector<std::unique_ptr<BoundInput>> &inputs) {
  std::error_code ec;
  std::string library, name;
  for (llvm::sys::fs::directory_iterator it(options.model, ec), end; it != end && !ec;
       it.increment(ec)) {
    llvm::StringRef file = llvm::sys::path::filename(it->path());
    if (file.starts_with("lib") && file.ends_with(".so")) {
      if (!library.empty())
        return llvm::createStringError(options.model + ": several lib*.so files; expected one");
      library = it->path();
      name = file.drop_front(3).drop_back(3).str();
    }
  }
  if (library.empty())
    return llvm::createStringError(options.model + ": no lib<name>.so (not a quantc artifact)");
  std::string error;
  auto handle = llvm::sys::DynamicLibrary::getPermanentLibrary(library.c_str(), &error);
  if (!handle.isValid())
    return llvm::createStringError(library + ": " + error);
  auto *model = static_cast<const quantc_model *>(handle.getAddressOfSymbol((name + "_model").c_str()));
  if (!model)
    return llvm::createStringError(library + ": no symbol " + name + "_model");
  if (model->abi_version != QUANTC_ABI_VERSION)
    return llvm::createStringError(library + ": built for quantc ABI " +
                                   std::to_string(model->abi_version) + ", this quantc speaks " +
                                   std::to_string(QUANTC_ABI_VERSION));
  llvm::ArrayRef<quantc_tensor_info> wanted(model->inputs, model->num_inputs);
  auto bound = bindInputs(wanted, inputs);
  if (!bound)
    return bound.takeError();
  std::vector<quantc_tensor> ordered;
  for (const quantc_tensor *tensor : *bound)
    ordered.push_back(*tensor);
  // The artifact's own runtime copy: its thread setting is the one its code reads.
  using RunWithOptions = decltype(&quantc_model_run_with_options);
  auto runWithOptions = reinterpret_cast<RunWithOptions>(
      handle.getAddressOfSymbol("quantc_model_run_with_options"));
  if (!runWithOptions)
    return llvm::createStringError(library + ": no quantc_model_run_with_options (built by an "
                                             "older quantc; compile it again)");
  quantc_run_options runOptions{};
  runOptions.num_threads = options.threads;
  OutputBuffers outputs;
  outputs.tensors.resize(model->num_outputs);
  char message[512];
  auto call = [&] {
    return runWithOptions(model, &runOptions, ordered.data(), int32_t(ordered.size()),
                          outputs.tensors.data(), model->num_outputs, message, sizeof message);
  };
  if (call())
    return llvm::createStringError(message);
  timeRuns(options, [&] { (void)call(); });
  return writeOutputs(options.output, llvm::ArrayRef(model->outputs, model->num_outputs),
                      outputs.tensors);
}

/// Imports and lowers; on failure, diagnostics were already printed.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>> importModel(const ExecuteOptions &options,
                                                              const ONNXImportOptions &import,
                                                              mlir::MLIRContext &context) {
  auto module = importONNXModel(options.model, context, import);
  if (!module)
    return llvm::createStringError(options.model + ": import failed");
  return module;
}

} // namespace

llvm::Error runModel(const ExecuteOptions &options, mlir::MLIRContext &context) {
  std::vector<std::unique_ptr<BoundInput>> inputs;
  if (auto error = readInputs(options.inputs, inputs))
    return error;
  if (llvm::sys::fs::is_directory(options.model))
    return runArtifact(options, inputs);

  auto target = resolveTarget(options.target);
  if (!target)
    return target.takeError();
  if (!target->gpuChip.empty())
    return llvm::createStringError("--target " + options.target +
                                   " builds artifacts: quantc compile --target " + options.target +
                                   " -o DIR, then quantc run DIR");
  target->kernelActivations = options.quantize.kernelActivations;
  if (options.quantize.lutBits >= 0)
    target->lutBits = unsigned(options.quantize.lutBits);
  auto start = Clock::now();
  // Named inputs without --input-shape bind their .npy shapes. If the model
  // fixes those dims differently, import as declared (silently retried) so the
  // mismatch is reported against the .npy file below.
  ONNXImportOptions import = options.import;
  for (auto &input : inputs)
    if (!input->name.empty() && !import.inputShapes.count(input->name))
      import.inputShapes[input->name] =
          std::vector<int64_t>(input->tensor.shape, input->tensor.shape + input->tensor.rank);
  mlir::OwningOpRef<mlir::ModuleOp> module;
  if (import.inputShapes.size() != options.import.inputShapes.size()) {
    mlir::ScopedDiagnosticHandler quiet(&context, [](mlir::Diagnostic &) { return mlir::success(); });
    module = importONNXModel(options.model, context, import);
  }
  if (!module) {
    auto declared = importModel(options, options.import, context);
    if (!declared)
      return declared.takeError();
    module = std::move(*declared);
  }
  if (options.quantize.enabled())
    if (auto error = quantizeModel(*module, options.quantize, options.model))
      return error;
  auto signature = readSignature(*module);
  if (!signature)
    return signature.takeError();
  std::vector<quantc_tensor_info> wanted;
  for (auto &tensor : signature->inputs)
    wanted.push_back(infoOf(tensor));
  auto bound = bindInputs(wanted, inputs);
  if (!bound)
    return bound.takeError();
  auto imported = Clock::now();
  if (mlir::failed(lowerToLLVMDialect(*module, *target)))
    return llvm::createStringError(options.model + ": lowering failed");
  auto lowered = Clock::now();
  auto jit = JITModel::compile(*module, *target);
  if (!jit)
    return jit.takeError();
  auto compiled = Clock::now();
  if (options.printTime)
    llvm::errs() << llvm::format("compile: %.3f s (import %.3f, lower %.3f, codegen %.3f)\n",
                                 seconds(compiled - start), seconds(imported - start),
                                 seconds(lowered - imported), seconds(compiled - lowered));

  OutputBuffers outputs;
  std::vector<quantc_tensor_info> outputInfos;
  std::vector<void *> buffers;
  for (const quantc_tensor *tensor : *bound)
    buffers.push_back(tensor->data);
  for (auto &tensor : signature->outputs) {
    outputInfos.push_back(infoOf(tensor));
    quantc_tensor out{};
    out.dtype = tensor.dtype;
    out.rank = int32_t(tensor.shape.size());
    std::copy(tensor.shape.begin(), tensor.shape.end(), out.shape);
    out.data = std::calloc(std::max<size_t>(tensor.numel() * quantc_dtype_size(tensor.dtype), 1), 1);
    outputs.tensors.push_back(out);
    buffers.push_back(out.data);
  }
  // The JIT's code calls this process's runtime: its thread count for this thread.
  int32_t previousThreads = quantc_set_thread_count(options.threads);
  llvm::scope_exit restoreThreads([&] { quantc_set_thread_count(previousThreads); });
  if (auto error = (*jit)->run(buffers))
    return error;
  timeRuns(options, [&] { llvm::consumeError((*jit)->run(buffers)); });
  return writeOutputs(options.output, outputInfos, outputs.tensors);
}

llvm::Error exportONNXModel(const ExecuteOptions &options, mlir::MLIRContext &context) {
  if (options.output.empty())
    return llvm::createStringError("export-onnx needs -o FILE.onnx");
  auto module = importModel(options, options.import, context);
  if (!module)
    return module.takeError();
  if (options.quantize.enabled()) {
    QuantizeOptions quantize = options.quantize;
    quantize.integer = false; // Q/DQ and MatMulNBits dequantize to float, as ORT expects
    if (auto error = quantizeModel(**module, quantize, options.model))
      return error;
  }
  ONNXExportOptions exportOptions;
  exportOptions.int8Activations = options.quantize.kernelActivations != "float";
  return exportONNX(**module, options.output, exportOptions);
}

/// An --emit stage's IR, written whole or not at all.
static llvm::Error writeStage(mlir::ModuleOp module, const std::string &path) {
  if (std::string error = writeModuleAtomically(module, path); !error.empty())
    return llvm::createStringError(error);
  return llvm::Error::success();
}

llvm::Error compileModel(const ExecuteOptions &options, mlir::MLIRContext &context) {
  auto target = resolveTarget(options.target);
  if (!target)
    return target.takeError();
  // The GPU's weight-only GEMMs take f16 activations: its layers are
  // quantized and reported as the host's float kernel activations compute
  // them (and a layer left on the host computes so too), not as int8 ones.
  QuantizeOptions quantize = options.quantize;
  if (!target->gpuChip.empty()) {
    if (quantize.kernelActivationsGiven && quantize.kernelActivations != "float")
      return llvm::createStringError(
          "--kernel-activations " + quantize.kernelActivations + " has no GPU kernels: --target " +
          options.target +
          "'s weight-only GEMMs take f16 activations (--kernel-activations "
          "float); --act-bits 8 quantizes activations to int8");
    quantize.kernelActivations = "float";
  }
  target->kernelActivations = quantize.kernelActivations;
  if (options.quantize.lutBits >= 0)
    target->lutBits = unsigned(options.quantize.lutBits);
  static const char *const stages[] = {"qnn", "qnn-int", "qkernel", "loops", "llvm", "asm", "so"};
  if (!llvm::is_contained(stages, options.emit))
    return llvm::createStringError("unknown --emit=" + options.emit +
                                   " (known: qnn, qnn-int, qkernel, loops, llvm, asm, so)");
  if (options.emit == "qnn-int" && !options.quantize.enabled())
    return llvm::createStringError("--emit=qnn-int writes the quantized graph: give --bits, "
                                   "--act-bits or a bit-allocation budget");
  if (!options.sanitize.empty() && options.sanitize != "thread")
    return llvm::createStringError("unknown --sanitize=" + options.sanitize + " (known: thread)");
  target->sanitizeThread = options.sanitize == "thread";
  if (options.weights != "auto" && options.weights != "file" && options.weights != "embed")
    return llvm::createStringError("unknown --weights=" + options.weights + " (auto, file, embed)");
  target->weightsPlacement = options.weights;
  codegen::gpu::GemvTuning gemv;
  if (std::string why = codegen::gpu::parseGemvTuning(options.gpuGemv, gemv); !why.empty())
    return llvm::createStringError("--gpu-gemv=" + options.gpuGemv + ": " + why);
  target->gpuGemv = options.gpuGemv;
  target->gpuDeterministic = options.gpuDeterministic;
  if (target->gpuFormat == "isa")
    llvm::errs() << "warning: CUDA's ptxas was not found (PATH, /usr/local/cuda/bin): the "
                    "artifact carries PTX alone, which the driver compiles at its first load\n";
  if (options.output.empty())
    return llvm::createStringError("compile needs -o (a directory for --emit=so, a file otherwise)");
  auto start = Clock::now();
  // An artifact directory (library, headers, reports) appears only complete.
  std::optional<StagedDirectory> staged;
  if (options.emit == "so") {
    auto created = StagedDirectory::create(options.output);
    if (!created)
      return created.takeError();
    staged.emplace(std::move(*created));
  }
  auto module = importModel(options, options.import, context);
  if (!module)
    return module.takeError();
  auto imported = Clock::now();
  if (options.emit == "qnn") // the imported graph, before quantization
    return writeStage(**module, options.output);
  if (quantize.enabled()) {
    if (quantize.report.empty() && options.emit == "so") {
      llvm::SmallString<256> path(staged->path());
      llvm::sys::path::append(path, "report.json");
      quantize.report = path.str().str();
    }
    if (auto error = quantizeModel(**module, quantize, options.model))
      return error;
  }
  auto quantized = Clock::now();
  if (options.emit == "qnn-int")
    return writeStage(**module, options.output);
  auto signature = readSignature(**module);
  if (!signature)
    return signature.takeError();
  LoweringStage stage = options.emit == "qkernel" ? LoweringStage::QKernel
                        : options.emit == "loops" ? LoweringStage::Loops
                                                  : LoweringStage::LLVM;
  if (mlir::failed(lowerModule(**module, *target, stage)))
    return llvm::createStringError(options.model + ": lowering failed");
  auto lowered = Clock::now();
  if (options.emit == "qkernel" || options.emit == "loops" || options.emit == "llvm")
    return writeStage(**module, options.output);
  if (options.emit == "asm") {
    auto assembly = emitAssembly(**module, *target);
    if (!assembly)
      return assembly.takeError();
    return writeFileAtomically(options.output, *assembly);
  }
  std::string name = options.name;
  if (name.empty())
    name = sanitizeIdentifier(llvm::sys::path::stem(options.model));
  ArtifactTimes artifactTimes;
  if (auto error = writeArtifact(**module, *signature, *target, name, staged->path(),
                                 options.objectCache, &artifactTimes))
    return error;
  if (auto error = staged->commit())
    return error;
  if (options.printTime) // quantization (analysis included) apart from lowering and codegen
    llvm::errs() << llvm::format("compile: %.3f s (import %.3f, quantize %.3f, lower %.3f, "
                                 "codegen and link %.3f: translate %.3f, optimize and emit %.3f "
                                 "in %u partitions, %u cached, link %.3f)\n",
                                 seconds(Clock::now() - start), seconds(imported - start),
                                 seconds(quantized - imported), seconds(lowered - quantized),
                                 seconds(Clock::now() - lowered), artifactTimes.translate,
                                 artifactTimes.compile, artifactTimes.partitions,
                                 artifactTimes.cachedPartitions, artifactTimes.link);
  return llvm::Error::success();
}

} // namespace quantc
