// Keeps every section of a JIT-compiled module inside one reserved range.
#ifndef QUANTC_EXECUTION_JITCODEARENA_H
#define QUANTC_EXECUTION_JITCODEARENA_H

#include "llvm/ExecutionEngine/SectionMemoryManager.h"

namespace quantc {

/// MLIR's ExecutionEngine links with RuntimeDyld, whose x86-64 code reaches
/// its GOT and data through 32-bit PC-relative relocations. The default
/// mapper asks the OS for code and data separately; when other mappings land
/// between them (large buffers, sanitizer allocators) they end up more than
/// 2 GiB apart, the relocations wrap, and the first external call jumps
/// through a wild address. This mapper carves all sections from one
/// reservation, so every displacement fits.
class JITCodeArena : public llvm::SectionMemoryManager::MemoryMapper {
public:
  /// Reserves address space only; pages are committed as sections need them.
  static constexpr size_t kReservedBytes = size_t(1) << 30;

  JITCodeArena();
  ~JITCodeArena() override;
  JITCodeArena(const JITCodeArena &) = delete;
  JITCodeArena &operator=(const JITCodeArena &) = delete;

  llvm::sys::MemoryBlock
  allocateMappedMemory(llvm::SectionMemoryManager::AllocationPurpose purpose, size_t bytes,
                       const llvm::sys::MemoryBlock *near, unsigned flags,
                       std::error_code &error) override;
  std::error_code protectMappedMemory(const llvm::sys::MemoryBlock &block,
                                      unsigned flags) override;
  std::error_code releaseMappedMemory(llvm::sys::MemoryBlock &block) override;

private:
  char *base = nullptr;
  size_t used = 0;
};

} // namespace quantc

#endif
