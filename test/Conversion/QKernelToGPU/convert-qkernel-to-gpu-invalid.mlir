// RUN: quant-opt %s --convert-qkernel-to-gpu="chip=sm_90 format=cubin" -verify-diagnostics
// RUN: not quant-opt %s --convert-qkernel-to-gpu="chip=sm_42" 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not quant-opt %s --convert-qkernel-to-gpu="chip=sm_90 gemv=split" 2>&1 | FileCheck %s --check-prefix=GEMV

// CHIP: error: convert-qkernel-to-gpu: unknown GPU chip 'sm_42'
// GEMV: error: convert-qkernel-to-gpu: unknown gemv 'split' (split-k, stream-k)

// expected-error@+1 {{convert-qkernel-to-gpu: unknown format 'cubin' (fatbin, bin, isa, none)}}
module {
  func.func @main(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
    return %x : tensor<1x4xf32>
  }
}
