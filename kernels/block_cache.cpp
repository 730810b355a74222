// Block bookkeeping of the caching allocator (see block_cache.hpp for the policy).
#include "kernels/block_cache.hpp"

#include <algorithm>
#include <tuple>
#include <vector>

#include "kernels/common/error.hpp"

namespace accmt::kernels {

bool BlockCache::BestFit::operator()(const Block* a, const Block* b) const {
  return std::tie(a->pool, a->stream, a->size, a->ptr) < std::tie(b->pool, b->stream, b->size, b->ptr);
}

size_t BlockCache::round_request(size_t nbytes) {
  if (nbytes == 0) return kAlignment;
  return (nbytes + kAlignment - 1) / kAlignment * kAlignment;
}

size_t BlockCache::segment_size_for(size_t rounded) {
  if (rounded <= kSmallRequestLimit) return kSmallSegment;
  if (rounded < kMidRequestLimit) return kMidSegment;
  return (rounded + kLargeRounding - 1) / kLargeRounding * kLargeRounding;
}

BlockCache::~BlockCache() {
  std::lock_guard<std::mutex> lock(mutex_);
  release_free_segments_locked(Release::Everything);
  // Blocks still in use at exit (static tensors) are left to the process teardown.
}

void* BlockCache::allocate(size_t nbytes, uintptr_t stream, uint64_t pool, bool allow_flush) {
  ACCMT_CHECK(nbytes <= (size_t(1) << 62), "allocation of ", nbytes, " bytes is beyond any device");
  const size_t size = round_request(nbytes);
  const bool small = size <= kSmallRequestLimit;
  std::lock_guard<std::mutex> lock(mutex_);
  Block* block = find_free(size, stream, pool, small);
  if (block != nullptr) {
    free_set(small).erase(block);
  } else {
    block = new_segment(size, stream, pool, small);
    if (block == nullptr && allow_flush) {
      ++stats_.alloc_retries;
      release_free_segments_locked(Release::GeneralAndReleased);
      block = new_segment(size, stream, pool, small);
    }
    if (block == nullptr) {
      ++stats_.oom_count;
      return nullptr;
    }
  }
  block = split(block, size);
  block->allocated = true;
  active_.emplace(block->ptr, block);
  stats_.allocated_bytes += int64_t(block->size);
  stats_.peak_allocated_bytes = std::max(stats_.peak_allocated_bytes, stats_.allocated_bytes);
  ++stats_.active_blocks;
  return block->ptr;
}

void BlockCache::deallocate(void* ptr) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = active_.find(ptr);
  ACCMT_CHECK(it != active_.end(), "caching allocator: pointer ", ptr,
              " was not handed out by this device's allocator, or was freed twice");
  Block* block = it->second;
  active_.erase(it);
  block->allocated = false;
  stats_.allocated_bytes -= int64_t(block->size);
  --stats_.active_blocks;
  FreeSet& set = free_set(block->small);
  if (Block* prev = block->prev; prev != nullptr && !prev->allocated) {
    set.erase(prev);  // before its size (part of the set's order) changes
    prev->size += block->size;
    prev->next = block->next;
    if (block->next) block->next->prev = prev;
    delete block;
    block = prev;
  }
  if (Block* next = block->next; next != nullptr && !next->allocated) {
    set.erase(next);
    block->size += next->size;
    block->next = next->next;
    if (next->next) next->next->prev = block;
    delete next;
  }
  if (released_pools_.count(block->pool) && segment_is_free(block)) release_segment(block);
  else set.insert(block);
}

void BlockCache::release_free_segments() {
  std::lock_guard<std::mutex> lock(mutex_);
  release_free_segments_locked(Release::GeneralAndReleased);
}

void BlockCache::release_pool(uint64_t pool) {
  std::lock_guard<std::mutex> lock(mutex_);
  released_pools_.insert(pool);
  release_free_segments_locked(Release::ReleasedPoolsOnly);  // the general cache stays
}

BlockCacheStats BlockCache::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void BlockCache::reset_peaks() {
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.peak_allocated_bytes = stats_.allocated_bytes;
  stats_.peak_reserved_bytes = stats_.reserved_bytes;
}

size_t BlockCache::block_size(const void* ptr) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = active_.find(ptr);
  ACCMT_CHECK(it != active_.end(), "caching allocator: pointer ", ptr, " is not an allocated block");
  return it->second->size;
}

BlockCache::Block* BlockCache::find_free(size_t size, uintptr_t stream, uint64_t pool, bool small) {
  Block key{nullptr, size, stream, pool, small};
  FreeSet& set = free_set(small);
  auto it = set.lower_bound(&key);
  if (it == set.end() || (*it)->pool != pool || (*it)->stream != stream) return nullptr;
  return *it;
}

BlockCache::Block* BlockCache::new_segment(size_t size, uintptr_t stream, uint64_t pool, bool small) {
  const size_t segment = segment_size_for(size);
  void* ptr = source_.acquire(segment);
  if (ptr == nullptr) return nullptr;
  ++stats_.segment_acquires;
  stats_.reserved_bytes += int64_t(segment);
  stats_.peak_reserved_bytes = std::max(stats_.peak_reserved_bytes, stats_.reserved_bytes);
  return new Block{static_cast<char*>(ptr), segment, stream, pool, small};
}

// Keeps the first `size` bytes in `block` and files the rest as a free block, when the
// rest is worth keeping apart (small: any whole 512-byte unit; large: over 1 MiB, so large
// segments are not cut into slivers).
BlockCache::Block* BlockCache::split(Block* block, size_t size) {
  const size_t rest = block->size - size;
  const bool worth = block->small ? rest >= kAlignment : rest > kSmallRequestLimit;
  if (!worth) return block;
  Block* tail = new Block{block->ptr + size, rest, block->stream, block->pool, block->small};
  tail->prev = block;
  tail->next = block->next;
  if (block->next) block->next->prev = tail;
  block->next = tail;
  block->size = size;
  free_set(block->small).insert(tail);
  return block;
}

bool BlockCache::segment_is_free(const Block* block) const {
  // Free neighbours always merge, so a free segment is a single free block.
  return !block->allocated && block->prev == nullptr && block->next == nullptr;
}

void BlockCache::release_segment(Block* head) {
  source_.release(head->ptr, head->size);
  ++stats_.segment_releases;
  stats_.reserved_bytes -= int64_t(head->size);
  delete head;
}

void BlockCache::release_free_segments_locked(Release which) {
  for (FreeSet* set : {&small_free_, &large_free_}) {
    std::vector<Block*> doomed;
    for (Block* b : *set) {
      if (!segment_is_free(b)) continue;
      const bool released = released_pools_.count(b->pool) != 0;
      const bool general = b->pool == 0;
      if (which == Release::Everything || released || (which == Release::GeneralAndReleased && general))
        doomed.push_back(b);
    }
    for (Block* b : doomed) {
      set->erase(b);
      release_segment(b);
    }
  }
}

}  // namespace accmt::kernels
