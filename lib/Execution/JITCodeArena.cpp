#include "JITCodeArena.h"

#include "llvm/Support/Process.h"

#include <cerrno>
#include <sys/mman.h>

namespace quantc {

using llvm::sys::Memory;
using llvm::sys::MemoryBlock;

JITCodeArena::JITCodeArena() {
  void *reserved = mmap(nullptr, kReservedBytes, PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (reserved != MAP_FAILED)
    base = static_cast<char *>(reserved);
}

JITCodeArena::~JITCodeArena() {
  if (base)
    munmap(base, kReservedBytes);
}

MemoryBlock JITCodeArena::allocateMappedMemory(llvm::SectionMemoryManager::AllocationPurpose,
                                               size_t bytes, const MemoryBlock *near,
                                               unsigned flags, std::error_code &error) {
  // Without a reservation (e.g. a tight `ulimit -v`) fall back to the OS.
  if (!base)
    return Memory::allocateMappedMemory(bytes, near, flags, error);
  size_t page = llvm::sys::Process::getPageSizeEstimate();
  size_t rounded = (bytes + page - 1) / page * page;
  if (rounded > kReservedBytes - used) {
    error = std::error_code(ENOMEM, std::generic_category());
    return MemoryBlock();
  }
  MemoryBlock block(base + used, rounded);
  if ((error = Memory::protectMappedMemory(block, flags)))
    return MemoryBlock();
  used += rounded;
  return block;
}

std::error_code JITCodeArena::protectMappedMemory(const MemoryBlock &block, unsigned flags) {
  return Memory::protectMappedMemory(block, flags);
}

std::error_code JITCodeArena::releaseMappedMemory(MemoryBlock &block) {
  char *start = static_cast<char *>(block.base());
  if (!base || start < base || start >= base + kReservedBytes)
    return Memory::releaseMappedMemory(block);
  // Give the pages back but keep the range reserved; it is not reused.
  if (mmap(start, block.allocatedSize(), PROT_NONE,
           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == MAP_FAILED)
    return std::error_code(errno, std::generic_category());
  block = MemoryBlock();
  return {};
}

} // namespace quantc
