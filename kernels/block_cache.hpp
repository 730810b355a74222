#pragma once
// A caching block allocator over a slow raw memory source (cudaMalloc): the block logic of
// the CUDA caching allocator, kept free of CUDA so it is tested on any machine.
//
// Requests round up to 512 bytes. Requests up to 1 MiB are carved from 2 MiB "small"
// segments; larger ones from "large" segments (20 MiB for requests under 10 MiB, else the
// request rounded up to 2 MiB). A freed block merges with free neighbours of its segment
// and is reused best-fit, splitting off the rest. Blocks belong to the stream they were
// allocated for and are only reused for that stream (work on one stream runs in order, so
// a block freed after queuing kernels that use it is safe to hand out again on the same
// stream at once). Blocks also belong to a pool: pool 0 is the general one; a CUDA graph
// capture allocates from its own pool, whose blocks nobody else reuses, so the addresses
// a graph recorded stay valid for its replays.
//
// When the source reports out-of-memory, every fully free segment of released pools and
// of pool 0 is returned to the source and the request retried once.
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace accmt::kernels {

class MemorySource {
 public:
  virtual ~MemorySource() = default;
  // nullptr when the memory is exhausted; other failures throw.
  virtual void* acquire(size_t nbytes) = 0;
  virtual void release(void* ptr, size_t nbytes) = 0;
};

struct BlockCacheStats {
  int64_t allocated_bytes = 0, peak_allocated_bytes = 0;
  int64_t reserved_bytes = 0, peak_reserved_bytes = 0;
  int64_t active_blocks = 0;
  int64_t segment_acquires = 0, segment_releases = 0;
  int64_t alloc_retries = 0, oom_count = 0;
};

class BlockCache {
 public:
  static constexpr size_t kAlignment = 512;
  static constexpr size_t kSmallRequestLimit = size_t(1) << 20;
  static constexpr size_t kSmallSegment = size_t(2) << 20;
  static constexpr size_t kMidRequestLimit = size_t(10) << 20;
  static constexpr size_t kMidSegment = size_t(20) << 20;
  static constexpr size_t kLargeRounding = size_t(2) << 20;

  explicit BlockCache(MemorySource& source) : source_(source) {}
  ~BlockCache();
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;

  // nullptr when the source is out of memory even after the cache was flushed.
  // allow_flush = false skips that flush (the source may not be called to release while
  // a CUDA graph is being captured).
  void* allocate(size_t nbytes, uintptr_t stream, uint64_t pool = 0, bool allow_flush = true);
  // Throws accmt::Error for a pointer this cache did not hand out (or already freed).
  void deallocate(void* ptr);
  // Returns every fully free segment of pool 0 and of released pools to the source.
  void release_free_segments();
  // The pool's owner (a graph) is gone: its free segments return to the source now, the
  // rest as soon as their last block is freed.
  void release_pool(uint64_t pool);

  BlockCacheStats stats() const;
  void reset_peaks();
  // Size (after rounding) of a block this cache handed out.
  size_t block_size(const void* ptr) const;
  static size_t round_request(size_t nbytes);
  static size_t segment_size_for(size_t rounded);

 private:
  struct Block {
    char* ptr;
    size_t size;
    uintptr_t stream;
    uint64_t pool;
    bool small;
    bool allocated = false;
    Block* prev = nullptr;  // neighbours inside the same segment
    Block* next = nullptr;
  };
  struct BestFit {
    bool operator()(const Block* a, const Block* b) const;
  };
  using FreeSet = std::set<Block*, BestFit>;

  Block* find_free(size_t size, uintptr_t stream, uint64_t pool, bool small);
  Block* new_segment(size_t size, uintptr_t stream, uint64_t pool, bool small);
  Block* split(Block* block, size_t size);
  void release_segment(Block* head);
  bool segment_is_free(const Block* any) const;
  enum class Release { Everything, GeneralAndReleased, ReleasedPoolsOnly };
  void release_free_segments_locked(Release which);
  FreeSet& free_set(bool small) { return small ? small_free_ : large_free_; }

  MemorySource& source_;
  mutable std::mutex mutex_;
  FreeSet small_free_, large_free_;
  std::unordered_map<const void*, Block*> active_;
  std::unordered_set<uint64_t> released_pools_;
  BlockCacheStats stats_;
};

}  // namespace accmt::kernels
