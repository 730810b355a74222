// Generators and random tensors.
#include "tensor/random.hpp"

#include <algorithm>
#include <cstring>

#include "tensor/native.hpp"

namespace accmt {

Generator& default_generator() {
  static Generator gen;
  return gen;
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

Tensor Generator::get_state() const {
  std::vector<uint8_t> bytes(16);
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<uint8_t>(seed_ >> (8 * i));
    bytes[8 + i] = static_cast<uint8_t>(offset_ >> (8 * i));
  }
  return tensor(bytes);
}

void Generator::set_state(const Tensor& state) {
  ACCMT_CHECK(state.defined() && state.dtype() == DType::UInt8 && state.numel() == 16,
              "Generator::set_state: expected a uint8 tensor of 16 bytes (seed, offset), got ",
              state.defined() ? dtype_name(state.dtype()) : "undefined", " with ", state.defined() ? state.numel() : 0,
              " elements");
  std::vector<uint8_t> bytes = state.cpu().contiguous().to_vector<uint8_t>();
  uint64_t s = 0, o = 0;
  for (int i = 0; i < 8; ++i) {
    s |= uint64_t(bytes[i]) << (8 * i);
    o |= uint64_t(bytes[8 + i]) << (8 * i);
  }
  seed_ = s;
  offset_ = o;
}

namespace {
Generator& pick(Generator* gen) { return gen ? *gen : default_generator(); }

void check_floating(const char* op, DType dt) {
  ACCMT_CHECK(is_floating(dt), op, ": expected a floating dtype, got ", dtype_name(dt));
}
}  // namespace

Tensor& Tensor::uniform_(double from, double to, Generator* gen) {
  native::check_defined("uniform_", *this);
  check_floating("uniform_", dtype());
  ACCMT_CHECK(from <= to, "uniform_: expects from <= to, got from=", from, " to=", to);
  auto [seed, offset] = pick(gen).next_draw();
  native::backend_of(*this).uniform(native::ref(*this), seed, offset, from, to);
  bump_version(*this);
  return *this;
}

Tensor& Tensor::normal_(double mean, double std, Generator* gen) {
  native::check_defined("normal_", *this);
  check_floating("normal_", dtype());
  ACCMT_CHECK(std >= 0, "normal_: expects std >= 0, got ", std);
  auto [seed, offset] = pick(gen).next_draw();
  native::backend_of(*this).normal(native::ref(*this), seed, offset, mean, std);
  bump_version(*this);
  return *this;
}

Tensor& Tensor::bernoulli_(double p, Generator* gen) {
  native::check_defined("bernoulli_", *this);
  ACCMT_CHECK(p >= 0 && p <= 1, "bernoulli_: expects 0 <= p <= 1, got ", p);
  Tensor prob = native::expand(full({}, p, {.dtype = DType::Float64, .device = device()}), sizes());
  auto [seed, offset] = pick(gen).next_draw();
  native::backend_of(*this).bernoulli(native::ref(*this), native::ref(prob), seed, offset);
  bump_version(*this);
  return *this;
}

Tensor rand(const Shape& sizes, const TensorOptions& opts, Generator* gen) {
  check_floating("rand", opts.dtype);
  Tensor t = native::empty(sizes, opts.dtype, opts.device);
  t.uniform_(0.0, 1.0, gen);
  if (opts.requires_grad) t.requires_grad_(true);
  return t;
}

Tensor randn(const Shape& sizes, const TensorOptions& opts, Generator* gen) {
  check_floating("randn", opts.dtype);
  Tensor t = native::empty(sizes, opts.dtype, opts.device);
  t.normal_(0.0, 1.0, gen);
  if (opts.requires_grad) t.requires_grad_(true);
  return t;
}

Tensor rand_like(const Tensor& t, Generator* gen) { return rand(t.sizes(), t.options(), gen); }
Tensor randn_like(const Tensor& t, Generator* gen) { return randn(t.sizes(), t.options(), gen); }

Tensor randint(int64_t low, int64_t high, const Shape& sizes, const TensorOptions& opts, Generator* gen) {
  ACCMT_CHECK(low < high, "randint: expects low < high, got low=", low, " high=", high);
  ACCMT_CHECK(opts.dtype != DType::Bool, "randint: bool is not a valid dtype");
  Tensor t = native::empty(sizes, opts.dtype, opts.device);
  auto [seed, offset] = pick(gen).next_draw();
  native::backend_of(t).randint(native::ref(t), seed, offset, low, high);
  return t;
}

Tensor bernoulli(const Tensor& p, Generator* gen) {
  native::check_defined("bernoulli", p);
  check_floating("bernoulli", p.dtype());
  if (p.numel() > 0 && p.device().is_cpu()) {
    double lo = p.min().item<double>(), hi = p.max().item<double>();
    ACCMT_CHECK(lo >= 0 && hi <= 1, "bernoulli: probabilities must be in [0, 1], got values in [", lo, ", ", hi, "]");
  }
  Tensor out = native::empty(p.sizes(), p.dtype(), p.device());
  Tensor prob = native::cast(p, DType::Float64);
  auto [seed, offset] = pick(gen).next_draw();
  native::backend_of(out).bernoulli(native::ref(out), native::ref(prob), seed, offset);
  return out;
}

Tensor bernoulli(const Tensor& p, double prob, Generator* gen) {
  Tensor out = native::empty(p.sizes(), p.dtype(), p.device());
  out.bernoulli_(prob, gen);
  return out;
}

Tensor randperm(int64_t n, const TensorOptions& opts, Generator* gen) {
  ACCMT_CHECK(n >= 0, "randperm: n must be non-negative, got ", n);
  // Sort random 64-bit keys: a uniform permutation (ties have probability ~n^2/2^64).
  Tensor keys = randint(0, INT64_MAX, {n}, {.dtype = DType::Int64, .device = opts.device}, gen);
  Tensor perm = native::sort(keys, 0, false, true).second;
  return native::cast(perm, opts.dtype);
}

}  // namespace accmt
