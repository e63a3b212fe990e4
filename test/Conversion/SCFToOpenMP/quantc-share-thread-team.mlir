// RUN: quant-opt %s -split-input-file --quantc-share-thread-team | FileCheck %s

// Two parallel layers around a sequential stretch: one team for the call.
// Each layer's loop is shared out by hand: thread t of T runs the t-th of T
// balanced blocks of its iterations (the first 64 % T blocks one longer),
// then a barrier; the stretch (a sequential layer and a copy) runs on one
// thread, then a barrier; the constant and the view are computed by every
// thread of the team, which captures only the arena and the arguments.
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
// CHECK-NOT: omp.wsloop
// CHECK: %[[T32:.*]] = call @omp_get_thread_num() : () -> i32
// CHECK: %[[T:.*]] = arith.index_cast %[[T32]] : i32 to index
// CHECK: %[[NT32:.*]] = call @omp_get_num_threads() : () -> i32
// CHECK: %[[NT:.*]] = arith.index_cast %[[NT32]] : i32 to index
// CHECK: %[[COUNT:.*]] = arith.muli
// CHECK: %[[BLOCK:.*]] = arith.divsi %[[COUNT]], %[[NT]] : index
// CHECK: %[[LONGER:.*]] = arith.remsi %[[COUNT]], %[[NT]] : index
// CHECK: %[[SKIP:.*]] = arith.muli %[[T]], %[[BLOCK]] : index
// CHECK: %[[BEFORE:.*]] = arith.minsi %[[T]], %[[LONGER]] : index
// CHECK: %[[FIRST:.*]] = arith.addi %[[SKIP]], %[[BEFORE]] : index
// CHECK: %[[IS_LONG:.*]] = arith.cmpi slt, %[[T]], %[[LONGER]] : index
// CHECK: %[[EXTRA:.*]] = arith.select %[[IS_LONG]]
// CHECK: %[[SHORT_END:.*]] = arith.addi %[[FIRST]], %[[BLOCK]] : index
// CHECK: %[[END:.*]] = arith.addi %[[SHORT_END]], %[[EXTRA]] : index
// CHECK: scf.for %[[L:.*]] = %[[FIRST]] to %[[END]] step
// CHECK:   %[[OFFSET:.*]] = arith.muli %[[L]], %c1
// CHECK:   %[[I:.*]] = arith.addi %c0, %[[OFFSET]]
// CHECK:   memref.load %arg0[%[[I]]]
// CHECK: }
// CHECK-NEXT: omp.barrier
// CHECK-NEXT: return
// CHECK-LABEL: func.func private @main__Softmax_1
// CHECK: scf.for
// CHECK-LABEL: func.func private @main__Relu_2
// CHECK-NOT: omp.parallel
// CHECK-NOT: omp.wsloop
// CHECK: scf.for
// CHECK: omp.barrier
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

// -----

// A collapsed nest (4 x 6): the share is over the 24 linear iterations,
// each iteration's indices read back off the linear one (row = l / 6,
// column = l % 6, each then scaled by its step and offset by its bound).
// CHECK-LABEL: func.func private @grid__Relu_0
// CHECK: scf.for %[[L:.*]] = %{{.*}} to %{{.*}} step
// CHECK:   %[[COL:.*]] = arith.remsi %[[L]], %[[TRIPS:.*]] : index
// CHECK:   %[[ROWL:.*]] = arith.divsi %[[L]], %[[TRIPS]] : index
// CHECK:   %[[J:.*]] = arith.addi %c0, %{{.*}} : index
// CHECK:   %[[I:.*]] = arith.addi %c0, %{{.*}} : index
// CHECK:   memref.load %arg0[%[[I]], %[[J]]]
// CHECK: omp.barrier
func.func @grid(%x: memref<4x6xf32>, %y: memref<4x6xf32>) {
  call @grid__Relu_0(%x, %y) : (memref<4x6xf32>, memref<4x6xf32>) -> ()
  return
}
func.func private @grid__Relu_0(%in: memref<4x6xf32>, %out: memref<4x6xf32>) attributes {quantc.outlined} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i, %j) : index = (%c0, %c0) to (%c4, %c6) step (%c1, %c1) collapse(2) {
        %v = memref.load %in[%i, %j] : memref<4x6xf32>
        memref.store %v, %out[%i, %j] : memref<4x6xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}
