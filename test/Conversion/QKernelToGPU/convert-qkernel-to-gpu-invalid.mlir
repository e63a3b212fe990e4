// RUN: quant-opt %s --convert-qkernel-to-gpu="chip=sm_90 format=cubin" -verify-diagnostics
// RUN: not quant-opt %s --convert-qkernel-to-gpu="chip=sm_42" 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not quant-opt %s --convert-qkernel-to-gpu="chip=sm_90 gemv=split" 2>&1 | FileCheck %s --check-prefix=GEMV
// RUN: not quant-opt %s --convert-qkernel-to-gpu="chip=sm_90 gemv=stream-k:stages=1" 2>&1 | FileCheck %s --check-prefix=STAGES
// RUN: not quant-opt %s --convert-qkernel-to-gpu="chip=sm_90 gemv=split-k:" 2>&1 | FileCheck %s --check-prefix=EMPTY

// CHIP: error: convert-qkernel-to-gpu: unknown GPU chip 'sm_42'
// GEMV: error: convert-qkernel-to-gpu: gemv 'split': a GEMV launch starts with split-k or stream-k, not 'split'
// STAGES: error: convert-qkernel-to-gpu: gemv 'stream-k:stages=1': unknown GEMV launch option 'stages=1'
// EMPTY: error: convert-qkernel-to-gpu: gemv 'split-k:': unknown GEMV launch option '' 

// expected-error@+1 {{convert-qkernel-to-gpu: unknown format 'cubin' (fatbin, bin, isa, none)}}
module {
  func.func @main(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
    return %x : tensor<1x4xf32>
  }
}
