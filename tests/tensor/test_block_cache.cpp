// The caching allocator's block logic (kernels/block_cache.hpp) over a fake memory
// source with a capacity, so reuse, splitting, merging, streams, capture pools and the
// out-of-memory retry are checked on any machine.
#include <doctest/doctest.h>

#include <cstdlib>
#include <map>
#include <random>
#include <vector>

#include "kernels/block_cache.hpp"
#include "tests/support/checks.hpp"

using accmt::kernels::BlockCache;
using accmt::test::error_of;

namespace {

constexpr size_t KiB = 1024, MiB = 1024 * 1024;

// Hands out fake, never-dereferenced addresses from a counter (segments far apart), and
// refuses requests beyond `capacity` outstanding bytes.
class FakeSource final : public accmt::kernels::MemorySource {
 public:
  explicit FakeSource(size_t capacity) : capacity_(capacity) {}
  void* acquire(size_t nbytes) override {
    if (outstanding_ + nbytes > capacity_) return nullptr;
    outstanding_ += nbytes;
    char* p = reinterpret_cast<char*>(next_);
    next_ += nbytes + 64 * MiB;
    segments_[p] = nbytes;
    ++acquires;
    return p;
  }
  void release(void* ptr, size_t nbytes) override {
    auto it = segments_.find(static_cast<char*>(ptr));
    REQUIRE(it != segments_.end());
    REQUIRE(it->second == nbytes);
    segments_.erase(it);
    outstanding_ -= nbytes;
    ++releases;
  }
  size_t outstanding() const { return outstanding_; }
  // Whether [p, p + n) lies inside one acquired segment.
  bool covers(const void* p, size_t n) const {
    const char* c = static_cast<const char*>(p);
    auto it = segments_.upper_bound(const_cast<char*>(c));
    if (it == segments_.begin()) return false;
    --it;
    return c >= it->first && c + n <= it->first + it->second;
  }
  int acquires = 0, releases = 0;

 private:
  size_t capacity_, outstanding_ = 0;
  uintptr_t next_ = uintptr_t(1) << 32;
  std::map<char*, size_t> segments_;
};

char* as_bytes(void* p) { return static_cast<char*>(p); }

}  // namespace

TEST_SUITE("kernels.block_cache") {
  TEST_CASE("requests round to 512 bytes; segment sizes follow the request class") {
    CHECK(BlockCache::round_request(0) == 512);
    CHECK(BlockCache::round_request(1) == 512);
    CHECK(BlockCache::round_request(512) == 512);
    CHECK(BlockCache::round_request(513) == 1024);
    CHECK(BlockCache::segment_size_for(512) == 2 * MiB);
    CHECK(BlockCache::segment_size_for(1 * MiB) == 2 * MiB);
    CHECK(BlockCache::segment_size_for(1 * MiB + 512) == 20 * MiB);
    CHECK(BlockCache::segment_size_for(10 * MiB) == 10 * MiB);
    CHECK(BlockCache::segment_size_for(11 * MiB + 1) == 12 * MiB);
  }

  TEST_CASE("small requests are carved from one segment and a freed block is reused on its stream only") {
    FakeSource source(1024 * MiB);
    BlockCache cache(source);
    void* a = cache.allocate(1000, /*stream=*/1);
    void* b = cache.allocate(300 * KiB, 1);
    CHECK(source.acquires == 1);
    CHECK(as_bytes(b) == as_bytes(a) + 1024);  // carved right after a's rounded size
    cache.deallocate(a);
    CHECK(cache.allocate(900, 1) == a);         // best fit: the freed 1 KiB block
    void* other = cache.allocate(900, 2);       // another stream gets its own segment
    CHECK(other != a);
    CHECK(source.acquires == 2);
    CHECK(cache.stats().active_blocks == 3);
  }

  TEST_CASE("freed neighbours merge, so a larger request fits where two small blocks were") {
    FakeSource source(1024 * MiB);
    BlockCache cache(source);
    void* a = cache.allocate(256 * KiB, 0);
    void* b = cache.allocate(256 * KiB, 0);
    void* c = cache.allocate(256 * KiB, 0);
    REQUIRE(as_bytes(b) == as_bytes(a) + 256 * KiB);
    REQUIRE(as_bytes(c) == as_bytes(b) + 256 * KiB);
    cache.deallocate(b);
    cache.deallocate(a);
    void* ab = cache.allocate(512 * KiB, 0);
    CHECK(ab == a);
    CHECK(source.acquires == 1);
    cache.deallocate(ab);
    cache.deallocate(c);
    // Everything merged back into one free 2 MiB segment, which is returned on request.
    cache.release_free_segments();
    CHECK(source.releases == 1);
    CHECK(source.outstanding() == 0);
    CHECK(cache.stats().reserved_bytes == 0);
  }

  TEST_CASE("large requests share a 20 MiB segment; the rest is split off only when over 1 MiB") {
    FakeSource source(1024 * MiB);
    BlockCache cache(source);
    void* a = cache.allocate(5 * MiB, 0);
    void* b = cache.allocate(5 * MiB, 0);
    CHECK(source.acquires == 1);
    CHECK(as_bytes(b) == as_bytes(a) + 5 * MiB);
    CHECK(cache.block_size(a) == 5 * MiB);
    // 20 - 10 = 10 MiB left; a 9.5 MiB request leaves 0.5 MiB, which stays with the block.
    void* c = cache.allocate(9 * MiB + 512 * KiB, 0);
    CHECK(source.acquires == 1);
    CHECK(cache.block_size(c) == 10 * MiB);
    CHECK(cache.stats().reserved_bytes == int64_t(20 * MiB));
    CHECK(cache.stats().allocated_bytes == int64_t(20 * MiB));
  }

  TEST_CASE("out of memory: cached segments go back to the source and the request is retried") {
    FakeSource source(24 * MiB);
    BlockCache cache(source);
    void* big = cache.allocate(12 * MiB, 0);  // 12 MiB segment
    void* small = cache.allocate(4 * KiB, 0);  // 2 MiB segment
    cache.deallocate(big);
    cache.deallocate(small);
    CHECK(source.outstanding() == 14 * MiB);
    // 16 MiB does not fit next to the cached 14 MiB, but does once the cache is flushed.
    void* p = cache.allocate(16 * MiB, 0);
    CHECK(p != nullptr);
    CHECK(cache.stats().alloc_retries == 1);
    CHECK(source.releases == 2);
    // Beyond the capacity even when empty: nullptr, counted.
    CHECK(cache.allocate(20 * MiB, 0) == nullptr);
    CHECK(cache.stats().oom_count == 1);
    // The cache still works afterwards.
    cache.deallocate(p);
    CHECK(cache.allocate(16 * MiB, 0) == p);
  }

  TEST_CASE("a capture pool keeps its blocks to itself until released") {
    FakeSource source(1024 * MiB);
    BlockCache cache(source);
    void* general = cache.allocate(4 * KiB, 0);
    cache.deallocate(general);
    void* captured = cache.allocate(4 * KiB, 0, /*pool=*/7);
    CHECK(captured != general);  // the free general block is not taken by the capture
    cache.deallocate(captured);
    CHECK(cache.allocate(4 * KiB, 0) == general);       // and pool 0 does not take pool 7's
    CHECK(cache.allocate(4 * KiB, 0, 7) == captured);   // while the capture reuses its own
    // Flushing the cache leaves a live pool's free segments alone.
    void* spare = cache.allocate(6 * MiB, 0, 7);
    cache.deallocate(spare);
    const int before = source.releases;
    cache.release_free_segments();
    CHECK(source.releases == before);
    // Releasing the pool frees its free segment now and the busy one once its block dies;
    // the general pool's free segments stay cached.
    void* general_spare = cache.allocate(3 * MiB, 0);
    cache.deallocate(general_spare);
    cache.release_pool(7);
    CHECK(source.releases == before + 1);
    cache.deallocate(captured);
    CHECK(source.releases == before + 2);
    CHECK(cache.allocate(3 * MiB, 0) == general_spare);
  }

  TEST_CASE("without permission to flush, an allocation that does not fit fails at once") {
    FakeSource source(21 * MiB);  // a 3 MiB request takes a 20 MiB segment
    BlockCache cache(source);
    void* a = cache.allocate(512, 0);
    cache.deallocate(a);  // a cached 2 MiB segment
    CHECK(cache.allocate(3 * MiB, 0, 0, /*allow_flush=*/false) == nullptr);
    CHECK(cache.stats().alloc_retries == 0);
    CHECK(source.releases == 0);
    CHECK(cache.allocate(3 * MiB, 0) != nullptr);  // with the flush it fits
  }

  TEST_CASE("statistics track allocated and reserved bytes with peaks") {
    FakeSource source(1024 * MiB);
    BlockCache cache(source);
    void* a = cache.allocate(3 * MiB, 0);
    void* b = cache.allocate(100, 0);
    auto s = cache.stats();
    CHECK(s.allocated_bytes == int64_t(3 * MiB + 512));
    CHECK(s.reserved_bytes == int64_t(22 * MiB));
    CHECK(s.segment_acquires == 2);
    cache.deallocate(a);
    s = cache.stats();
    CHECK(s.allocated_bytes == 512);
    CHECK(s.peak_allocated_bytes == int64_t(3 * MiB + 512));
    cache.reset_peaks();
    CHECK(cache.stats().peak_allocated_bytes == 512);
    cache.deallocate(b);
    CHECK(cache.stats().active_blocks == 0);
  }

  TEST_CASE("freeing an unknown pointer or freeing twice is a clear error") {
    FakeSource source(1024 * MiB);
    BlockCache cache(source);
    void* a = cache.allocate(64, 0);
    cache.deallocate(a);
    const std::string twice = error_of([&] { cache.deallocate(a); });
    CHECK(twice.find("freed twice") != std::string::npos);
    int local = 0;
    CHECK(error_of([&] { cache.deallocate(&local); }).find("not handed out") != std::string::npos);
  }

  TEST_CASE("random allocation sequences never overlap and return everything at the end") {
    FakeSource source(4096 * MiB);
    std::mt19937_64 rng(1234);
    BlockCache cache(source);
    std::map<char*, size_t> live;  // address -> requested size
    for (int step = 0; step < 4000; ++step) {
      const bool do_free = !live.empty() && (rng() % 100) < 45;
      if (do_free) {
        auto it = live.begin();
        std::advance(it, rng() % live.size());
        cache.deallocate(it->first);
        live.erase(it);
        continue;
      }
      const uint64_t cls = rng() % 10;
      const size_t n = cls < 6 ? rng() % (64 * KiB) : cls < 9 ? rng() % (3 * MiB) : rng() % (40 * MiB);
      const uintptr_t stream = rng() % 3;
      char* p = as_bytes(cache.allocate(n, stream, rng() % 8 == 0 ? 5 : 0));
      REQUIRE(p != nullptr);
      REQUIRE(source.covers(p, n));
      // No overlap with the neighbours in address order.
      auto next = live.lower_bound(p);
      if (next != live.end()) REQUIRE(p + BlockCache::round_request(n) <= next->first);
      if (next != live.begin()) {
        auto prev = std::prev(next);
        REQUIRE(prev->first + BlockCache::round_request(prev->second) <= p);
      }
      live[p] = n;
    }
    int64_t expected = 0;
    for (auto& [p, n] : live) expected += int64_t(cache.block_size(p));
    CHECK(cache.stats().allocated_bytes == expected);
    for (auto& [p, n] : live) cache.deallocate(p);
    cache.release_pool(5);
    cache.release_free_segments();
    CHECK(cache.stats().allocated_bytes == 0);
    CHECK(cache.stats().reserved_bytes == 0);
    CHECK(source.outstanding() == 0);
  }
}
