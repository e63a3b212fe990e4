# lit configuration for quantc's regression tests.
import os
import lit.formats

config.name = "quantc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.quantc_obj_root, "test")

# Sanitized builds (scripts/test-sanitized.sh): LLVM's allocators poison
# memory from inline header code that libMLIR.so (not instrumented) never
# unpoisons, so manual poisoning is off; real errors still abort the test.
config.environment["ASAN_OPTIONS"] = "allow_user_poisoning=0:detect_leaks=1"
config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
if config.quantc_sanitized:
    config.available_features.add("sanitized")
# The TSan configuration (scripts/test-tsan.sh: lit --param tsan=1) runs
# test/ThreadSanitizer; elsewhere those tests report unsupported.
if lit_config.params.get("tsan"):
    config.available_features.add("tsan")
config.substitutions.append(("%tsan-runtime", os.path.join(config.quantc_obj_root, "lib", "tsan")))
# lit runs two tests at once on this 2-core machine, and a model run uses
# every core: OpenMP workers that spin-wait between loops (libomp's default
# for 200 ms) would take the other test's core. Passive workers sleep.
config.environment["OMP_WAIT_POLICY"] = "passive"
# Caches (compiled objects, latency tables) stay inside the build tree, so
# tests neither read nor fill the user's ~/.cache/quantc.
config.environment["XDG_CACHE_HOME"] = os.path.join(config.test_exec_root, "xdg-cache")
config.environment["PATH"] = os.pathsep.join(
    [config.quantc_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
# Debian's interpreter has python3-onnx and numpy; a pyenv python3 may not.
config.substitutions.append(("%python", "/usr/bin/python3"))
config.substitutions.append(
    ("%gen-onnx", "/usr/bin/python3 " + os.path.join(config.quantc_src_root, "test", "Inputs", "gen_onnx.py")))
config.substitutions.append(("%scripts", os.path.join(config.quantc_src_root, "scripts")))
config.substitutions.append(("%bench", os.path.join(config.quantc_src_root, "bench")))
config.substitutions.append(("%quantc-tools", config.quantc_tools_dir))
config.substitutions.append(("%models", config.model_cache))

paddle_models = ["ch_ppocr_mobile_v2.0_cls_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx",
                 "ch_PP-OCRv4_det_infer.onnx"]
if all(os.path.exists(os.path.join(config.model_cache, m)) for m in paddle_models):
    config.available_features.add("paddleocr-models")
if os.path.isdir("/usr/share/libonnx-testdata/data/node"):
    config.available_features.add("onnx-testdata")
import shutil
if shutil.which("qemu-aarch64") and shutil.which("aarch64-linux-gnu-gcc") and os.path.exists(
        os.path.join(config.quantc_obj_root, "lib", "aarch64", "libquantc_runtime.a")):
    config.available_features.add("qemu-aarch64")
ort_dir = os.path.join(config.quantc_src_root, ".cache", "ort", "node_modules", "onnxruntime-node")
if shutil.which("node") and os.path.isdir(ort_dir):
    config.available_features.add("onnxruntime")
# CUDA's ptxas (compile-only here): the GPU kernels' assembly gate.
ptxas = os.environ.get("QUANTC_PTXAS", "/usr/local/cuda/bin/ptxas")
if os.access(ptxas, os.X_OK):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
# The emulated CUDA driver (unittests/EmulatedCuda.cpp): GPU artifacts run
# their host side here, their kernels through the C++ model of the PTX.
# GPU artifacts built by the tests carry each linalg kernel's loop nest
# (quantc_gpu_twin<N>_<kernel>), which the emulated driver runs in the
# kernel's place.
config.environment["QUANTC_GPU_HOST_TWINS"] = "1"
config.substitutions.append(
    ("%emulated-cuda", os.path.join(config.quantc_obj_root, "lib", "test", "libquantc_emulated_cuda.so")))
# A usable NVIDIA GPU (driver and at least one device): the GPU kernels run.
def has_cuda_device():
    import ctypes
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
        count = ctypes.c_int(0)
        return cuda.cuInit(0) == 0 and cuda.cuDeviceGetCount(ctypes.byref(count)) == 0 and count.value > 0
    except OSError:
        return False
if has_cuda_device():
    config.available_features.add("cuda-device")
import subprocess
for module, feature in (("PIL", "pil"), ("torchvision", "torch"), ("ensurepip, venv", "python-venv")):
    try:
        subprocess.run(["/usr/bin/python3", "-c", "import " + module], check=True,
                       capture_output=True)
        config.available_features.add(feature)
    except Exception:
        pass
