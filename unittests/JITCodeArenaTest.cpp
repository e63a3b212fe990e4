// The JIT's section mapper keeps code and data within 32-bit PC-relative
// reach of each other, whatever the process maps in between.
#include "JITCodeArena.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <sys/mman.h>

using quantc::JITCodeArena;
using Purpose = llvm::SectionMemoryManager::AllocationPurpose;
using llvm::sys::Memory;
using llvm::sys::MemoryBlock;

namespace {

constexpr unsigned kReadWrite = Memory::MF_READ | Memory::MF_WRITE;

int64_t distance(const MemoryBlock &a, const MemoryBlock &b) {
  return std::llabs(reinterpret_cast<intptr_t>(a.base()) - reinterpret_cast<intptr_t>(b.base()));
}

TEST(JITCodeArenaTest, SectionsStayWithinReachAcrossLargeMappings) {
  JITCodeArena arena;
  std::error_code error;
  MemoryBlock code = arena.allocateMappedMemory(Purpose::Code, 100, nullptr, kReadWrite, error);
  ASSERT_FALSE(error) << error.message();
  // What a sanitizer allocator or a big weight buffer does between sections.
  size_t gap = size_t(8) << 30;
  void *between = mmap(nullptr, gap, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  ASSERT_NE(between, MAP_FAILED);
  MemoryBlock data = arena.allocateMappedMemory(Purpose::RWData, 5000, nullptr, kReadWrite, error);
  munmap(between, gap);
  ASSERT_FALSE(error) << error.message();
  EXPECT_LT(distance(code, data), int64_t(JITCodeArena::kReservedBytes));
  EXPECT_GE(data.allocatedSize(), 5000u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(data.base()) % 4096, 0u);
  // Committed and writable.
  std::memset(data.base(), 0xab, data.allocatedSize());
  EXPECT_FALSE(arena.protectMappedMemory(code, Memory::MF_READ | Memory::MF_EXEC));
  EXPECT_FALSE(arena.releaseMappedMemory(data));
  EXPECT_EQ(data.base(), nullptr);
}

TEST(JITCodeArenaTest, RunningOutOfReservationIsAnErrorNotACrash) {
  JITCodeArena arena;
  std::error_code error;
  MemoryBlock all = arena.allocateMappedMemory(Purpose::RWData, JITCodeArena::kReservedBytes,
                                               nullptr, Memory::MF_READ, error);
  ASSERT_FALSE(error) << error.message();
  EXPECT_EQ(all.allocatedSize(), JITCodeArena::kReservedBytes);
  MemoryBlock more = arena.allocateMappedMemory(Purpose::Code, 1, nullptr, kReadWrite, error);
  EXPECT_EQ(error, std::errc::not_enough_memory);
  EXPECT_EQ(more.base(), nullptr);
}

} // namespace
