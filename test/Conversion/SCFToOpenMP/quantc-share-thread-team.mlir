// RUN: quant-opt %s -split-input-file --quantc-share-thread-team | FileCheck %s

// Two parallel layers around a sequential stretch: one team for the call.
// The layers' loops become orphaned worksharing loops; the stretch (a
// sequential layer and a copy) runs on one thread, then a barrier; the
// constant and the view are computed by every thread of the team, which
// captures only the arena and the arguments.
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:.*]]: memref<64xf32>, %[[Y:.*]]: memref<64xf32>)
// CHECK-NEXT: %[[ARENA:.*]] = memref.alloc
// CHECK-NEXT: omp.parallel {
// CHECK-NEXT:   %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT:   %[[VIEW:.*]] = memref.view %[[ARENA]][%[[C0]]][]
// CHECK-NEXT:   call @main__Relu_0(%[[X]], %[[Y]])
// CHECK-NEXT:   omp.masked {
// CHECK-NEXT:     call @main__Softmax_1(%[[Y]], %[[VIEW]])
// CHECK-NEXT:     memref.copy %[[VIEW]], %[[Y]]
// CHECK-NEXT:     omp.terminator
// CHECK-NEXT:   }
// CHECK-NEXT:   omp.barrier
// CHECK-NEXT:   call @main__Relu_2(%[[Y]], %[[X]])
// CHECK-NEXT:   omp.terminator
// CHECK-NEXT: }
// CHECK-NEXT: memref.dealloc %[[ARENA]]
// CHECK-NEXT: return
// CHECK-LABEL: func.func private @main__Relu_0
// CHECK-NEXT: arith.constant
// CHECK-NEXT: arith.constant
// CHECK-NEXT: arith.constant
// CHECK-NEXT: omp.wsloop {
// CHECK: return
// CHECK-LABEL: func.func private @main__Softmax_1
// CHECK: scf.for
// CHECK-LABEL: func.func private @main__Relu_2
// CHECK-NOT: omp.parallel
// CHECK: omp.wsloop {
func.func @main(%x: memref<64xf32>, %y: memref<64xf32>) {
  %arena = memref.alloc() : memref<256xi8>
  call @main__Relu_0(%x, %y) : (memref<64xf32>, memref<64xf32>) -> ()
  %c0 = arith.constant 0 : index
  %view = memref.view %arena[%c0][] : memref<256xi8> to memref<64xf32>
  call @main__Softmax_1(%y, %view) : (memref<64xf32>, memref<64xf32>) -> ()
  memref.copy %view, %y : memref<64xf32> to memref<64xf32>
  call @main__Relu_2(%y, %x) : (memref<64xf32>, memref<64xf32>) -> ()
  memref.dealloc %arena : memref<256xi8>
  return
}
func.func private @main__Relu_0(%in: memref<64xf32>, %out: memref<64xf32>) attributes {quantc.outlined} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        %v = memref.load %in[%i] : memref<64xf32>
        memref.store %v, %out[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}
func.func private @main__Softmax_1(%in: memref<64xf32>, %out: memref<64xf32>) attributes {quantc.outlined} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  scf.for %i = %c0 to %c64 step %c1 {
    %v = memref.load %in[%i] : memref<64xf32>
    memref.store %v, %out[%i] : memref<64xf32>
  }
  return
}
func.func private @main__Relu_2(%in: memref<64xf32>, %out: memref<64xf32>) attributes {quantc.outlined} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        %v = memref.load %in[%i] : memref<64xf32>
        memref.store %v, %out[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// -----

// A layer whose loop has a reduction keeps its own team (the reduction
// variable would be private to each thread of the caller's), and so does
// its caller: nested in the caller's team, it would run on one thread.
// CHECK-LABEL: func.func @with_reduction
// CHECK-NEXT: call @with_reduction__Relu_1
// CHECK-NEXT: call @with_reduction__Sum_0
// CHECK-NEXT: call @with_reduction__Relu_2
// CHECK-NEXT: return
// CHECK-LABEL: func.func private @with_reduction__Sum_0
// CHECK: omp.parallel {
// CHECK: omp.wsloop reduction
// CHECK-LABEL: func.func private @with_reduction__Relu_1
// CHECK: omp.parallel {
// CHECK-LABEL: func.func private @with_reduction__Relu_2
// CHECK: omp.parallel {
omp.declare_reduction @add_f32 : f32 init {
^bb0(%arg: f32):
  %zero = arith.constant 0.0 : f32
  omp.yield (%zero : f32)
} combiner {
^bb0(%a: f32, %b: f32):
  %sum = arith.addf %a, %b : f32
  omp.yield (%sum : f32)
}
func.func @with_reduction(%x: memref<64xf32>, %sum: memref<f32>) {
  call @with_reduction__Relu_1(%x) : (memref<64xf32>) -> ()
  call @with_reduction__Sum_0(%x, %sum) : (memref<64xf32>, memref<f32>) -> ()
  call @with_reduction__Relu_2(%x) : (memref<64xf32>) -> ()
  return
}
func.func private @with_reduction__Sum_0(%in: memref<64xf32>, %out: memref<f32>) attributes {quantc.outlined} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %one = arith.constant 1 : i64
  %acc = llvm.alloca %one x f32 : (i64) -> !llvm.ptr
  omp.parallel {
    omp.wsloop reduction(@add_f32 %acc -> %partial : !llvm.ptr) {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        %v = memref.load %in[%i] : memref<64xf32>
        %p = llvm.load %partial : !llvm.ptr -> f32
        %s = arith.addf %p, %v : f32
        llvm.store %s, %partial : f32, !llvm.ptr
        omp.yield
      }
    }
    omp.terminator
  }
  %total = llvm.load %acc : !llvm.ptr -> f32
  memref.store %total, %out[] : memref<f32>
  return
}
func.func private @with_reduction__Relu_1(%in: memref<64xf32>) attributes {quantc.outlined} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        %v = memref.load %in[%i] : memref<64xf32>
        memref.store %v, %in[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}
func.func private @with_reduction__Relu_2(%in: memref<64xf32>) attributes {quantc.outlined} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        %v = memref.load %in[%i] : memref<64xf32>
        memref.store %v, %in[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// -----

// A buffer allocated in a sequential stretch, which a layer then uses,
// cannot leave its omp.single: the caller keeps one team per layer.
// CHECK-LABEL: func.func @buffer_crosses
// CHECK-NOT: omp.single
// CHECK: call @buffer_crosses__Mul_0
// CHECK-LABEL: func.func private @buffer_crosses__Mul_0
// CHECK: omp.parallel {
func.func @buffer_crosses(%x: memref<64xf32>, %s: memref<f32>) {
  call @buffer_crosses__Mul_0(%x, %x) : (memref<64xf32>, memref<64xf32>) -> ()
  %view = memref.alloca() : memref<64xf32>
  call @buffer_crosses__Mul_0b(%x, %view) : (memref<64xf32>, memref<64xf32>) -> ()
  return
}
func.func private @buffer_crosses__Mul_0(%in: memref<64xf32>, %out: memref<64xf32>) attributes {quantc.outlined} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        %v = memref.load %in[%i] : memref<64xf32>
        memref.store %v, %out[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}
func.func private @buffer_crosses__Mul_0b(%in: memref<64xf32>, %out: memref<64xf32>) attributes {quantc.outlined} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        %v = memref.load %in[%i] : memref<64xf32>
        memref.store %v, %out[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}
