// CPU memory, copies, fills, ranges and random draws.
#include "kernels/cpu/cpu_backend.hpp"

#include <cstdlib>
#include <cstring>
#include <iterator>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "kernels/common/philox.hpp"
#include "kernels/cpu/loops.hpp"

namespace accmt::kernels {

Backend& cpu_backend() {
  static cpu::CpuBackend instance;
  return instance;
}

namespace cpu {

namespace {
// Keeps freed blocks of 1 MiB and more for reuse, by size rounded up to 1 MiB. A training
// step allocates the same large buffers every iteration; fresh pages from the OS cost a
// page fault each (~25% of a small CNN's step on this machine), reused ones cost nothing.
// The cache holds at most 1 GiB (evicting older sizes when full); release_cached_memory()
// returns it to the OS.
class LargeBlockCache {
 public:
  static constexpr size_t kMinBlock = size_t(1) << 20;
  static constexpr size_t kMaxCached = size_t(1) << 30;

  static size_t rounded(size_t nbytes) {
    if (nbytes < kMinBlock) return (std::max<size_t>(nbytes, 1) + 63) / 64 * 64;  // aligned_alloc's rule
    return (nbytes + kMinBlock - 1) / kMinBlock * kMinBlock;
  }
  void* take(size_t size) {
    if (size < kMinBlock) return nullptr;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.find(size);
    if (it == free_.end() || it->second.empty()) return nullptr;
    void* p = it->second.back();
    it->second.pop_back();
    cached_ -= size;
    return p;
  }
  bool give(void* p, size_t size) {
    if (size < kMinBlock || size > kMaxCached) return false;
    std::lock_guard<std::mutex> lock(mutex_);
    // Full: drop blocks of other sizes first, so a program whose shapes change (one phase,
    // then another) keeps caching what it uses now.
    for (auto it = free_.begin(); cached_ + size > kMaxCached && it != free_.end();) {
      while (!it->second.empty() && cached_ + size > kMaxCached) {
        std::free(it->second.back());
        it->second.pop_back();
        cached_ -= it->first;
      }
      it = it->second.empty() ? free_.erase(it) : std::next(it);
    }
    free_[size].push_back(p);
    cached_ += size;
    return true;
  }
  void release() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [size, blocks] : free_)
      for (void* p : blocks) std::free(p);
    free_.clear();
    cached_ = 0;
  }
  ~LargeBlockCache() { release(); }

 private:
  std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  size_t cached_ = 0;
};

LargeBlockCache& block_cache() {
  static LargeBlockCache cache;
  return cache;
}
}  // namespace

void release_cached_memory() { block_cache().release(); }

void* CpuBackend::allocate(int, size_t nbytes) {
  // 64-byte alignment suits AVX-512 loads.
  const size_t size = LargeBlockCache::rounded(nbytes);
  if (void* p = block_cache().take(size)) return p;
  void* p = std::aligned_alloc(64, size);
  if (!p) {
    block_cache().release();  // free the cache and retry once before giving up
    p = std::aligned_alloc(64, size);
  }
  if (!p) throw std::bad_alloc();
  return p;
}

void CpuBackend::deallocate(int, void* ptr, size_t nbytes) {
  if (!block_cache().give(ptr, LargeBlockCache::rounded(nbytes))) std::free(ptr);
}

void CpuBackend::copy_bytes(void* dst, const void* src, size_t nbytes, bool, bool) { std::memcpy(dst, src, nbytes); }

void CpuBackend::copy_cast(const TensorRef& out, const TensorRef& in) {
  dispatch_all(out.dtype, [&]<class To>() {
    dispatch_all(in.dtype, [&]<class From>() {
      StridedLoop<2> loop({&out, &in});
      loop.run([&](const std::array<char*, 2>& p, const std::array<int64_t, 2>& st, int64_t n) {
        if constexpr (std::is_same_v<To, From>) {
          if (st[0] == sizeof(To) && st[1] == sizeof(From)) {
            std::memcpy(p[0], p[1], static_cast<size_t>(n) * sizeof(To));
            return;
          }
        }
        for (int64_t i = 0; i < n; ++i) {
          const From v = *reinterpret_cast<const From*>(p[1] + i * st[1]);
          To& o = *reinterpret_cast<To*>(p[0] + i * st[0]);
          if constexpr (std::is_same_v<To, bool>) o = static_cast<acc_t<From>>(v) != acc_t<From>(0);
          else o = To(static_cast<acc_t<From>>(v));
        }
      });
    });
  });
}

void CpuBackend::fill(const TensorRef& out, const Scalar& value) {
  dispatch_all(out.dtype, [&]<class T>() {
    const T v = value.to<T>();
    StridedLoop<1> loop({&out});
    loop.run([&](const std::array<char*, 1>& p, const std::array<int64_t, 1>& st, int64_t n) {
      for (int64_t i = 0; i < n; ++i) *reinterpret_cast<T*>(p[0] + i * st[0]) = v;
    });
  });
}

void CpuBackend::arange(const TensorRef& out, double start, double step) {
  // out is contiguous and freshly allocated by the front-end.
  dispatch_all(out.dtype, [&]<class T>() {
    T* o = out.ptr<T>();
    int64_t n = out.numel();
    for (int64_t i = 0; i < n; ++i) o[i] = T(static_cast<acc_t<T>>(start + double(i) * step));
  });
}

void CpuBackend::linspace(const TensorRef& out, double start, double end) {
  const int64_t n = out.numel();
  const double step = n > 1 ? (end - start) / double(n - 1) : 0.0;
  dispatch_all(out.dtype, [&]<class T>() {
    T* o = out.ptr<T>();
    // The second half counts back from `end`, so both ends are exact.
    for (int64_t i = 0; i < n; ++i) {
      double v = i < n / 2 ? start + step * double(i) : end - step * double(n - 1 - i);
      o[i] = T(static_cast<acc_t<T>>(v));
    }
  });
}

namespace {
// Writes f(i) to element i (in logical row-major order) of a possibly strided output.
template <class T, class F> void generate(const TensorRef& out, F&& f) {
  StridedLoop<1> loop({&out});
  // Logical index i is needed for the Philox counter, so walk rows with a running index.
  parallel_for(loop.numel, kGrain, [&](int64_t b, int64_t e) {
    int64_t i = b;
    loop.for_range(b, e, [&](const std::array<char*, 1>& p, const std::array<int64_t, 1>& st, int64_t n) {
      for (int64_t j = 0; j < n; ++j, ++i) *reinterpret_cast<T*>(p[0] + j * st[0]) = f(uint64_t(i));
    });
  });
}
// generate() with per-chunk state: make() builds a fresh element function for each
// thread's chunk, so it may cache a Philox block between neighbouring elements.
template <class T, class Make> void generate_cached(const TensorRef& out, Make&& make) {
  StridedLoop<1> loop({&out});
  parallel_for(loop.numel, kGrain, [&](int64_t b, int64_t e) {
    auto f = make();
    int64_t i = b;
    loop.for_range(b, e, [&](const std::array<char*, 1>& p, const std::array<int64_t, 1>& st, int64_t n) {
      for (int64_t j = 0; j < n; ++j, ++i) *reinterpret_cast<T*>(p[0] + j * st[0]) = f(uint64_t(i));
    });
  });
}
}  // namespace

// Note: StridedLoop drops size-1 dims and merges dims but keeps row-major element order
// (innermost first), so the running index equals the logical row-major index.
void CpuBackend::uniform(const TensorRef& out, uint64_t seed, uint64_t offset, double low, double high) {
  dispatch_floating(out.dtype, [&]<class T>() {
    if constexpr (std::is_same_v<T, double>) {
      generate<T>(out, [&](uint64_t i) { return low + (high - low) * philox::uniform_double(seed, offset, i); });
    } else if constexpr (!std::is_same_v<T, float>) {
      const int digits = std::is_same_v<T, BFloat16> ? 8 : 11;
      float lo = float(low), range = float(high - low);
      generate<T>(out, [&](uint64_t i) { return T(lo + range * philox::uniform_float_digits(seed, offset, i, digits)); });
    } else {
      float lo = float(low), range = float(high - low);
      generate<T>(out, [&](uint64_t i) { return T(lo + range * philox::uniform_float(seed, offset, i)); });
    }
  });
}

void CpuBackend::normal(const TensorRef& out, uint64_t seed, uint64_t offset, double mean, double std) {
  dispatch_floating(out.dtype, [&]<class T>() {
    if constexpr (std::is_same_v<T, double>) {
      generate_cached<T>(out, [&] {
        return [&, blk = ~uint64_t(0), v = std::array<double, 2>{}](uint64_t i) mutable {
          if (i / 2 != blk) philox::normal_double_block(seed, offset, blk = i / 2, v.data());
          return mean + std * v[i % 2];
        };
      });
    } else {
      float m = float(mean), s = float(std);
      generate_cached<T>(out, [&] {
        return [&, m, s, blk = ~uint64_t(0), v = std::array<float, 4>{}](uint64_t i) mutable {
          if (i / 4 != blk) philox::normal_float_block(seed, offset, blk = i / 4, v.data());
          return T(m + s * v[i % 4]);
        };
      });
    }
  });
}

void CpuBackend::randint(const TensorRef& out, uint64_t seed, uint64_t offset, int64_t low, int64_t high) {
  uint64_t range = uint64_t(high - low);
  dispatch_all(out.dtype, [&]<class T>() {
    generate<T>(out, [&](uint64_t i) {
      return T(static_cast<acc_t<T>>(low + int64_t(philox::bits64(seed, offset, i) % range)));
    });
  });
}

void CpuBackend::bernoulli(const TensorRef& out, const TensorRef& p, uint64_t seed, uint64_t offset) {
  // p has out's shape (broadcast by the front-end) and dtype float64.
  StridedLoop<2> loop({&out, &p});
  dispatch_all(out.dtype, [&]<class T>() {
    parallel_for(loop.numel, kGrain, [&](int64_t b, int64_t e) {
      int64_t i = b;
      loop.for_range(b, e, [&](const std::array<char*, 2>& ptr, const std::array<int64_t, 2>& st, int64_t n) {
        for (int64_t j = 0; j < n; ++j, ++i) {
          double prob = *reinterpret_cast<const double*>(ptr[1] + j * st[1]);
          bool hit = philox::uniform_double(seed, offset, uint64_t(i)) < prob;
          *reinterpret_cast<T*>(ptr[0] + j * st[0]) = T(static_cast<acc_t<T>>(hit));
        }
      });
    });
  });
}

}  // namespace cpu
}  // namespace accmt::kernels
