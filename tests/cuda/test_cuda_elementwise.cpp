// CUDA elementwise kernels (unary, binary, where, clamp, arange, linspace, and the vector
// paths of fill and copy) against the CPU backend on identical inputs. Every layout the
// kernels tell apart is covered: dense and 16-byte aligned (vector loads), dense but
// misaligned (a slice starting at element 1: scalar fallback), tensor-scalar broadcasts
// (vector loads with one value), and strided views (transposes, steps, broadcasts).
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "tests/cuda/parity.hpp"

using accmt::DType;
using accmt::Generator;
using accmt::Scalar;
using accmt::Shape;
using accmt::Tensor;
using accmt::test::cuda::kCuda;
using accmt::test::cuda::kFloatDTypes;
using accmt::test::cuda::same_as_cpu;

namespace F = accmt::nn::functional;

namespace {

const std::vector<DType> kIntDTypes = {DType::UInt8, DType::Int32, DType::Int64};
const std::vector<DType> kAllDTypes = {DType::Bool,    DType::UInt8,    DType::Int32,   DType::Int64,
                                       DType::Float16, DType::BFloat16, DType::Float32, DType::Float64};

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// Values of either sign where the dtype has them (floats: normal with spread `scale`).
Tensor sample(const Shape& shape, DType dtype, Generator& gen, double scale = 3.0) {
  if (dtype == DType::Bool) return accmt::rand(shape, {}, &gen).gt(0.5);
  if (dtype == DType::UInt8) return accmt::randint(0, 256, shape, {.dtype = dtype}, &gen);
  if (!accmt::is_floating(dtype)) return accmt::randint(-100, 101, shape, {.dtype = dtype}, &gen);
  return accmt::test::cuda::randn_cpu(shape, dtype, gen).mul(scale);
}

// Nonzero divisors, of either sign for signed dtypes.
Tensor divisor(const Shape& shape, DType dtype, Generator& gen) {
  if (accmt::is_floating(dtype)) return sample(shape, dtype, gen);
  Tensor d = accmt::randint(1, 10, shape, {.dtype = dtype}, &gen);
  if (dtype == DType::UInt8) return d;
  return d.mul(accmt::randint(0, 2, shape, {.dtype = dtype}, &gen).mul(2).sub(1));
}

// A dense view of t's elements 1.. (t flattened): its data pointer is off 16-byte alignment.
Tensor misaligned(const Tensor& t) { return t.flatten().slice(0, 1, std::nullopt); }

std::string label(const char* op, DType dtype, const char* layout) {
  return std::string(op) + " " + accmt::dtype_name(dtype) + " " + layout;
}

struct UnaryOp {
  const char* name;
  Tensor (*fn)(const Tensor&);
  bool keeps_integers;  // runs the integer kernels on integer inputs (others promote to float)
};

const std::vector<UnaryOp> kUnaryOps = {
    {"neg", [](const Tensor& x) { return x.neg(); }, true},
    {"abs", [](const Tensor& x) { return x.abs(); }, true},
    {"sign", [](const Tensor& x) { return x.sign(); }, true},
    {"square", [](const Tensor& x) { return x.square(); }, true},
    {"relu", [](const Tensor& x) { return x.relu(); }, true},
    {"floor", [](const Tensor& x) { return x.floor(); }, true},
    {"ceil", [](const Tensor& x) { return x.ceil(); }, true},
    {"round", [](const Tensor& x) { return x.round(); }, true},
    {"trunc", [](const Tensor& x) { return x.trunc(); }, true},
    {"logical_not", [](const Tensor& x) { return x.logical_not(); }, true},
    {"exp", [](const Tensor& x) { return x.exp(); }, false},
    {"log", [](const Tensor& x) { return x.log(); }, false},
    {"log1p", [](const Tensor& x) { return x.log1p(); }, false},
    {"expm1", [](const Tensor& x) { return x.expm1(); }, false},
    {"sqrt", [](const Tensor& x) { return x.sqrt(); }, false},
    {"rsqrt", [](const Tensor& x) { return x.rsqrt(); }, false},
    {"sin", [](const Tensor& x) { return x.sin(); }, false},
    {"cos", [](const Tensor& x) { return x.cos(); }, false},
    {"tan", [](const Tensor& x) { return x.tan(); }, false},
    {"tanh", [](const Tensor& x) { return x.tanh(); }, false},
    {"sigmoid", [](const Tensor& x) { return x.sigmoid(); }, false},
    {"gelu", [](const Tensor& x) { return x.gelu(); }, false},
    {"gelu_tanh", [](const Tensor& x) { return x.gelu("tanh"); }, false},
    {"silu", [](const Tensor& x) { return x.silu(); }, false},
    {"softplus", [](const Tensor& x) { return x.softplus(); }, false},
    {"reciprocal", [](const Tensor& x) { return x.reciprocal(); }, false},
    {"erf", [](const Tensor& x) { return x.erf(); }, false},
    {"log2", [](const Tensor& x) { return x.log2(); }, false},
    {"log10", [](const Tensor& x) { return x.log10(); }, false},
    {"exp2", [](const Tensor& x) { return x.exp2(); }, false},
    {"asin", [](const Tensor& x) { return x.asin(); }, false},
    {"acos", [](const Tensor& x) { return x.acos(); }, false},
    {"atan", [](const Tensor& x) { return x.atan(); }, false},
    {"sinh", [](const Tensor& x) { return x.sinh(); }, false},
    {"cosh", [](const Tensor& x) { return x.cosh(); }, false},
};

struct BinaryOp {
  const char* name;
  Tensor (*fn)(const Tensor&, const Tensor&);
  bool on_bool;  // defined for two bool tensors
};

const std::vector<BinaryOp> kBinaryOps = {
    {"add", [](const Tensor& a, const Tensor& b) { return a.add(b); }, true},
    {"add alpha", [](const Tensor& a, const Tensor& b) { return a.add(b, 3); }, false},
    {"sub", [](const Tensor& a, const Tensor& b) { return a.sub(b); }, false},
    {"mul", [](const Tensor& a, const Tensor& b) { return a.mul(b); }, true},
    {"div", [](const Tensor& a, const Tensor& b) { return a.div(b); }, false},
    {"maximum", [](const Tensor& a, const Tensor& b) { return accmt::maximum(a, b); }, true},
    {"minimum", [](const Tensor& a, const Tensor& b) { return accmt::minimum(a, b); }, true},
    {"remainder", [](const Tensor& a, const Tensor& b) { return a.remainder(b); }, false},
    {"floor_divide", [](const Tensor& a, const Tensor& b) { return a.floor_divide(b); }, false},
    {"atan2", [](const Tensor& a, const Tensor& b) { return a.atan2(b); }, false},
    {"eq", [](const Tensor& a, const Tensor& b) { return a.eq(b); }, true},
    {"ne", [](const Tensor& a, const Tensor& b) { return a.ne(b); }, true},
    {"lt", [](const Tensor& a, const Tensor& b) { return a.lt(b); }, true},
    {"le", [](const Tensor& a, const Tensor& b) { return a.le(b); }, true},
    {"gt", [](const Tensor& a, const Tensor& b) { return a.gt(b); }, true},
    {"ge", [](const Tensor& a, const Tensor& b) { return a.ge(b); }, true},
    {"logical_and", [](const Tensor& a, const Tensor& b) { return a.logical_and(b); }, true},
    {"logical_or", [](const Tensor& a, const Tensor& b) { return a.logical_or(b); }, true},
    {"logical_xor", [](const Tensor& a, const Tensor& b) { return a.logical_xor(b); }, true},
};

// op(a, b) on cuda against the CPU for the layouts the binary kernels tell apart. a and b
// are CPU tensors of shape [rows, cols] (rows, cols >= 4); b is the divisor where it
// matters, so every divisor comes from b.
void check_binary_layouts(const BinaryOp& op, const Tensor& a, const Tensor& b) {
  const DType dtype = a.dtype();
  const Tensor ga = a.to(kCuda), gb = b.to(kCuda);
  auto check = [&](const char* layout, const Tensor& x, const Tensor& y, const Tensor& gx, const Tensor& gy) {
    same_as_cpu(op.fn(gx, gy), op.fn(x, y), label(op.name, dtype, layout));
  };
  check("dense", a, b, ga, gb);
  check("transposed", a.t(), b.t(), ga.t(), gb.t());
  check("one operand transposed", a, b.t().contiguous().t(), ga, gb.t().contiguous().t());
  check("row broadcast", a, b.select(0, 3), ga, gb.select(0, 3));
  check("column broadcast", a, b.narrow(1, 2, 1), ga, gb.narrow(1, 2, 1));
  check("tensor-scalar", a, b.select(0, 1).select(0, 2), ga, gb.select(0, 1).select(0, 2));
  check("scalar-tensor", a.select(0, 2).select(0, 1), b, ga.select(0, 2).select(0, 1), gb);
  check("both broadcast", a.select(0, 0).select(0, 0).expand({97}), b.select(0, 1).select(0, 1).expand({97}),
        ga.select(0, 0).select(0, 0).expand({97}), gb.select(0, 1).select(0, 1).expand({97}));
  const Tensor fa = a.flatten(), fb = b.flatten(), gfa = ga.flatten(), gfb = gb.flatten();
  const int64_t n = fa.numel();
  check("both misaligned", misaligned(a), misaligned(b), misaligned(ga), misaligned(gb));
  check("one misaligned", misaligned(a), fb.slice(0, 0, n - 1), misaligned(ga), gfb.slice(0, 0, n - 1));
  const int64_t m = (n - 1) / 3;  // elements in each stepped view
  check("stepped", fa.slice(0, 1, 1 + 3 * m, 3), fb.slice(0, 0, 3 * m, 3), gfa.slice(0, 1, 1 + 3 * m, 3),
        gfb.slice(0, 0, 3 * m, 3));
}

}  // namespace

TEST_SUITE("cuda.elementwise") {
  TEST_CASE("every unary op on every floating dtype matches the CPU in every layout") {
    Generator gen(101);
    for (DType dtype : kFloatDTypes) {
      // Odd sizes leave a scalar tail after the vector loads.
      const Tensor x = sample({67, 45}, dtype, gen), g = x.to(kCuda);
      for (const UnaryOp& op : kUnaryOps) {
        same_as_cpu(op.fn(g), op.fn(x), label(op.name, dtype, "dense"));
        same_as_cpu(op.fn(g.t()), op.fn(x.t()), label(op.name, dtype, "transposed"));
        same_as_cpu(op.fn(g.slice(1, 1, std::nullopt, 2)), op.fn(x.slice(1, 1, std::nullopt, 2)),
                    label(op.name, dtype, "stepped"));
        same_as_cpu(op.fn(misaligned(g)), op.fn(misaligned(x)), label(op.name, dtype, "misaligned"));
        same_as_cpu(op.fn(g.select(0, 5).select(0, 7).expand({1, 333})),
                    op.fn(x.select(0, 5).select(0, 7).expand({1, 333})), label(op.name, dtype, "broadcast"));
      }
    }
  }

  TEST_CASE("unary ops on integer and bool inputs match the CPU") {
    Generator gen(102);
    for (DType dtype : kAllDTypes) {
      if (accmt::is_floating(dtype)) continue;
      const Tensor x = sample({31, 29}, dtype, gen), g = x.to(kCuda);
      for (const UnaryOp& op : kUnaryOps) {
        if (dtype == DType::Bool && op.keeps_integers && std::string(op.name) == "neg") continue;  // an error
        same_as_cpu(op.fn(g), op.fn(x), label(op.name, dtype, "dense"));
        same_as_cpu(op.fn(g.t()), op.fn(x.t()), label(op.name, dtype, "transposed"));
        same_as_cpu(op.fn(misaligned(g)), op.fn(misaligned(x)), label(op.name, dtype, "misaligned"));
      }
    }
  }

  TEST_CASE("every binary op on every floating dtype matches the CPU in every layout") {
    Generator gen(103);
    for (DType dtype : kFloatDTypes) {
      const Tensor a = sample({53, 77}, dtype, gen);
      Tensor b = divisor({53, 77}, dtype, gen);
      // Some equal pairs, so that eq/le/ge and maximum ties are exercised.
      b = accmt::where(accmt::rand({53, 77}, {}, &gen).gt(0.7), a, b);
      for (const BinaryOp& op : kBinaryOps) check_binary_layouts(op, a, b);
    }
  }

  TEST_CASE("binary ops on integer and bool inputs match the CPU") {
    Generator gen(104);
    for (DType dtype : kAllDTypes) {
      if (accmt::is_floating(dtype)) continue;
      const Tensor a = sample({41, 19}, dtype, gen);
      Tensor b = dtype == DType::Bool ? sample({41, 19}, dtype, gen) : divisor({41, 19}, dtype, gen);
      // Some equal pairs; b stays nonzero (integer division by zero is an error).
      b = accmt::where(accmt::rand({41, 19}, {}, &gen).gt(0.7).logical_and(a.ne(0)), a, b);
      for (const BinaryOp& op : kBinaryOps)
        if (dtype != DType::Bool || op.on_bool) check_binary_layouts(op, a, b);
    }
  }

  TEST_CASE("integer division and remainder follow the divisor's sign like the CPU") {
    Generator gen(105);
    for (DType dtype : {DType::Int32, DType::Int64}) {
      const Tensor a = accmt::randint(-50, 51, {257}, {.dtype = dtype}, &gen);
      const Tensor b = divisor({257}, dtype, gen);
      const Tensor ga = a.to(kCuda), gb = b.to(kCuda);
      same_as_cpu(ga.remainder(gb), a.remainder(b), label("remainder", dtype, "signs"));
      same_as_cpu(ga.floor_divide(gb), a.floor_divide(b), label("floor_divide", dtype, "signs"));
      same_as_cpu(ga.div(gb), a.div(b), label("div", dtype, "true division"));
      // Every sign combination explicitly, with and without a remainder.
      const Tensor x = accmt::tensor<int64_t>({7, -7, 7, -7, 6, -6, 6, -6, 0}).to(dtype);
      const Tensor y = accmt::tensor<int64_t>({2, 2, -2, -2, 3, 3, -3, -3, -5}).to(dtype);
      same_as_cpu(x.to(kCuda).remainder(y.to(kCuda)), x.remainder(y), label("remainder", dtype, "table"));
      same_as_cpu(x.to(kCuda).floor_divide(y.to(kCuda)), x.floor_divide(y), label("floor_divide", dtype, "table"));
    }
    for (DType dtype : kFloatDTypes) {
      const Tensor a = sample({300}, dtype, gen), b = divisor({300}, dtype, gen);
      same_as_cpu(a.to(kCuda).remainder(b.to(kCuda)), a.remainder(b), label("remainder", dtype, "float signs"));
      same_as_cpu(a.to(kCuda).floor_divide(b.to(kCuda)), a.floor_divide(b), label("floor_divide", dtype, "float"));
    }
  }

  TEST_CASE("pow with tensor and scalar exponents matches the CPU") {
    Generator gen(106);
    for (DType dtype : kFloatDTypes) {
      const Tensor base = sample({45, 23}, dtype, gen).abs().add(0.25);
      const Tensor expo = sample({45, 23}, dtype, gen, 1.5);
      const Tensor gbase = base.to(kCuda), gexpo = expo.to(kCuda);
      same_as_cpu(gbase.pow(gexpo), base.pow(expo), label("pow", dtype, "tensor"));
      same_as_cpu(gbase.t().pow(gexpo.t()), base.t().pow(expo.t()), label("pow", dtype, "transposed"));
      // Negative bases with integral exponents are defined.
      const Tensor neg = sample({45, 23}, dtype, gen), whole = expo.round();
      same_as_cpu(neg.to(kCuda).pow(whole.to(kCuda)), neg.pow(whole), label("pow", dtype, "negative base"));
      for (double e : {2.0, 0.5, 3.0, -1.5}) same_as_cpu(gbase.pow(e), base.pow(e), label("pow scalar", dtype, "dense"));
      same_as_cpu(accmt::pow(2.0, gexpo), accmt::pow(2.0, expo), label("pow", dtype, "scalar base"));
    }
    for (DType dtype : kIntDTypes) {
      const int64_t lo = dtype == DType::UInt8 ? 0 : -5;
      const Tensor base = accmt::randint(lo, 6, {37, 11}, {.dtype = dtype}, &gen);
      const Tensor expo = accmt::randint(0, 7, {37, 11}, {.dtype = dtype}, &gen);
      same_as_cpu(base.to(kCuda).pow(expo.to(kCuda)), base.pow(expo), label("pow", dtype, "integer"));
      same_as_cpu(base.to(kCuda).pow(3), base.pow(3), label("pow scalar", dtype, "integer"));
    }
  }

  TEST_CASE("fused activation backwards match the CPU through autograd") {
    using Act = Tensor (*)(const Tensor&);
    const std::vector<std::pair<const char*, Act>> acts = {
        {"gelu", [](const Tensor& x) { return F::gelu(x); }},
        {"gelu tanh", [](const Tensor& x) { return F::gelu(x, "tanh"); }},
        {"silu", [](const Tensor& x) { return F::silu(x); }},
        {"tanh", [](const Tensor& x) { return x.tanh(); }},
        {"sigmoid", [](const Tensor& x) { return x.sigmoid(); }},
        {"relu", [](const Tensor& x) { return x.relu(); }},
        {"softplus", [](const Tensor& x) { return x.softplus(); }},
    };
    Generator gen(107);
    for (DType dtype : kFloatDTypes) {
      Tensor x = sample({41, 37}, dtype, gen);
      x.narrow(0, 0, 3).mul_(10.0);  // some inputs beyond softplus' threshold of 20
      const Tensor grad_out = sample({41, 37}, dtype, gen, 1.0);
      for (const auto& [name, act] : acts) {
        Tensor xc = x.clone();
        xc.requires_grad_(true);
        Tensor xg = x.detach().to(kCuda);
        xg.requires_grad_(true);
        act(xc).backward(grad_out);
        act(xg).backward(grad_out.to(kCuda));
        same_as_cpu(xg.grad(), xc.grad(), label(name, dtype, "backward"));
      }
    }
  }

  TEST_CASE("where matches the CPU with broadcasting, scalars and strided operands") {
    Generator gen(108);
    for (DType dtype : kAllDTypes) {
      const Tensor cond = accmt::rand({19, 6, 23}, {}, &gen).gt(0.5);
      const Tensor a = sample({19, 6, 23}, dtype, gen), b = sample({19, 6, 23}, dtype, gen);
      const Tensor gc = cond.to(kCuda), ga = a.to(kCuda), gb = b.to(kCuda);
      const Scalar other = dtype == DType::Bool ? Scalar(true) : Scalar(2);
      same_as_cpu(accmt::where(gc, ga, gb), accmt::where(cond, a, b), label("where", dtype, "dense"));
      same_as_cpu(accmt::where(gc, ga, other), accmt::where(cond, a, other), label("where", dtype, "scalar b"));
      same_as_cpu(accmt::where(gc, other, gb), accmt::where(cond, other, b), label("where", dtype, "scalar a"));
      same_as_cpu(accmt::where(gc.narrow(0, 0, 1), ga.narrow(1, 0, 1), gb.narrow(2, 0, 1)),
                  accmt::where(cond.narrow(0, 0, 1), a.narrow(1, 0, 1), b.narrow(2, 0, 1)),
                  label("where", dtype, "broadcast"));
      same_as_cpu(accmt::where(gc.transpose(0, 2), ga.transpose(0, 2), gb.transpose(0, 2)),
                  accmt::where(cond.transpose(0, 2), a.transpose(0, 2), b.transpose(0, 2)),
                  label("where", dtype, "transposed"));
      same_as_cpu(accmt::where(misaligned(gc), misaligned(ga), misaligned(gb)),
                  accmt::where(misaligned(cond), misaligned(a), misaligned(b)), label("where", dtype, "misaligned"));
    }
  }

  TEST_CASE("clamp with lo only, hi only and both, NaN included, matches the CPU") {
    Generator gen(109);
    for (DType dtype : kFloatDTypes) {
      Tensor x = sample({37, 29}, dtype, gen, 1.0);
      x.masked_fill_(accmt::rand({37, 29}, {}, &gen).gt(0.9), kNaN);
      const Tensor g = x.to(kCuda);
      auto check = [&](std::optional<Scalar> lo, std::optional<Scalar> hi, const char* what) {
        same_as_cpu(g.clamp(lo, hi), x.clamp(lo, hi), label(what, dtype, "dense"));
        same_as_cpu(g.t().clamp(lo, hi), x.t().clamp(lo, hi), label(what, dtype, "transposed"));
        same_as_cpu(misaligned(g).clamp(lo, hi), misaligned(x).clamp(lo, hi), label(what, dtype, "misaligned"));
      };
      check(Scalar(-0.5), std::nullopt, "clamp lo");
      check(std::nullopt, Scalar(0.75), "clamp hi");
      check(Scalar(-0.5), Scalar(0.75), "clamp both");
      check(Scalar(kNaN), Scalar(0.75), "clamp NaN lo");
      check(Scalar(-0.5), Scalar(kNaN), "clamp NaN hi");
    }
    for (DType dtype : kIntDTypes) {
      const Tensor x = sample({37, 29}, dtype, gen), g = x.to(kCuda);
      same_as_cpu(g.clamp(Scalar(-10), Scalar(40)), x.clamp(Scalar(-10), Scalar(40)), label("clamp", dtype, "both"));
      same_as_cpu(g.clamp_min(Scalar(3)), x.clamp_min(Scalar(3)), label("clamp_min", dtype, "int"));
      same_as_cpu(g.clamp_max(Scalar(7)), x.clamp_max(Scalar(7)), label("clamp_max", dtype, "int"));
      same_as_cpu(g.clamp(Scalar(-2.5), Scalar(3.5)), x.clamp(Scalar(-2.5), Scalar(3.5)),
                  label("clamp", dtype, "float bounds"));
    }
  }

  TEST_CASE("in-place ops write through dense, strided and misaligned targets like the CPU") {
    using Inplace = void (*)(Tensor&, const Tensor&);
    const std::vector<std::pair<const char*, Inplace>> any_dtype = {
        {"add_", [](Tensor& t, const Tensor& o) { t.add_(o); }},
        {"sub_ alpha", [](Tensor& t, const Tensor& o) { t.sub_(o, 2); }},
        {"mul_", [](Tensor& t, const Tensor& o) { t.mul_(o); }},
        {"add_ scalar", [](Tensor& t, const Tensor&) { t.add_(Scalar(3)); }},
        {"mul_ scalar", [](Tensor& t, const Tensor&) { t.mul_(Scalar(-2)); }},
        {"+= self", [](Tensor& t, const Tensor&) { t += t; }},
        {"neg_", [](Tensor& t, const Tensor&) { t.neg_(); }},
        {"relu_", [](Tensor& t, const Tensor&) { t.relu_(); }},
        {"abs_", [](Tensor& t, const Tensor&) { t.abs_(); }},
        {"pow_", [](Tensor& t, const Tensor&) { t.pow_(Scalar(2)); }},
        {"clamp_", [](Tensor& t, const Tensor&) { t.clamp_(Scalar(-5), Scalar(5)); }},
    };
    const std::vector<std::pair<const char*, Inplace>> floating_only = {
        {"div_", [](Tensor& t, const Tensor& o) { t.div_(o); }},
        {"exp_", [](Tensor& t, const Tensor&) { t.exp_(); }},
        {"log_", [](Tensor& t, const Tensor&) { t.log_(); }},
        {"sqrt_", [](Tensor& t, const Tensor&) { t.sqrt_(); }},
        {"sigmoid_", [](Tensor& t, const Tensor&) { t.sigmoid_(); }},
        {"tanh_", [](Tensor& t, const Tensor&) { t.tanh_(); }},
        {"clamp_ lo", [](Tensor& t, const Tensor&) { t.clamp_(Scalar(0.5), std::nullopt); }},
    };
    Generator gen(110);
    for (DType dtype : {DType::Int32, DType::Int64, DType::BFloat16, DType::Float32, DType::Float64}) {
      const Tensor x = sample({33, 65}, dtype, gen), other = divisor({33, 65}, dtype, gen);
      const Tensor gx = x.to(kCuda), gother = other.to(kCuda);
      auto run = [&](const char* name, Inplace op) {
        // Each target: a function selecting the written part of a fresh copy.
        using View = Tensor (*)(const Tensor&);
        const std::vector<std::pair<const char*, View>> views = {
            {"dense", [](const Tensor& t) { return t; }},
            {"stepped", [](const Tensor& t) { return t.slice(1, 1, std::nullopt, 2); }},
            {"transposed", [](const Tensor& t) { return t.t(); }},
            {"misaligned", [](const Tensor& t) { return t.flatten().slice(0, 1, std::nullopt); }},
        };
        for (const auto& [layout, view] : views) {
          Tensor cpu_full = x.clone(), cuda_full = gx.clone();
          Tensor cpu_view = view(cpu_full), cuda_view = view(cuda_full);
          op(cpu_view, view(other));
          op(cuda_view, view(gother));
          same_as_cpu(cuda_full, cpu_full, label(name, dtype, layout));
        }
        Tensor cpu_row = x.clone(), cuda_row = gx.clone();  // a broadcast row as the other operand
        op(cpu_row, other.select(0, 4));
        op(cuda_row, gother.select(0, 4));
        same_as_cpu(cuda_row, cpu_row, label(name, dtype, "row operand"));
      };
      for (const auto& [name, op] : any_dtype) run(name, op);
      if (accmt::is_floating(dtype))
        for (const auto& [name, op] : floating_only) run(name, op);
    }
  }

  TEST_CASE("fill and copy take the vector path when aligned and fall back when not") {
    Generator gen(111);
    for (DType dtype : kAllDTypes) {
      // Nonnegative floats: a negative float converted to uint8 has no defined value.
      const Tensor x = accmt::is_floating(dtype) ? sample({1001}, dtype, gen).abs() : sample({1001}, dtype, gen);
      const Tensor g = x.to(kCuda);
      const Scalar value = dtype == DType::Bool ? Scalar(true) : Scalar(5);
      Tensor cpu_filled = x.clone(), cuda_filled = g.clone();
      misaligned(cpu_filled).fill_(value);
      misaligned(cuda_filled).fill_(value);
      same_as_cpu(cuda_filled, cpu_filled, label("fill_", dtype, "misaligned"));
      cpu_filled.fill_(value);
      cuda_filled.fill_(value);
      same_as_cpu(cuda_filled, cpu_filled, label("fill_", dtype, "dense"));
      for (DType to : kAllDTypes) {
        same_as_cpu(g.to(to), x.to(to), label("copy to", to, "dense"));
        same_as_cpu(misaligned(g).to(to), misaligned(x).to(to), label("copy to", to, "misaligned source"));
        Tensor cpu_dst = accmt::zeros({1001}, {.dtype = to}), cuda_dst = accmt::zeros({1001}, {.dtype = to, .device = kCuda});
        misaligned(cpu_dst).copy_(x.slice(0, 0, 1000));
        misaligned(cuda_dst).copy_(g.slice(0, 0, 1000));
        same_as_cpu(cuda_dst, cpu_dst, label("copy to", to, "misaligned destination"));
        cpu_dst.copy_(x.select(0, 3));  // one value broadcast to every element
        cuda_dst.copy_(g.select(0, 3));
        same_as_cpu(cuda_dst, cpu_dst, label("copy to", to, "broadcast source"));
      }
    }
  }

  TEST_CASE("arange and linspace match the CPU for every dtype") {
    for (DType dtype : kFloatDTypes) {
      const accmt::TensorOptions cpu{.dtype = dtype}, gpu{.dtype = dtype, .device = kCuda};
      same_as_cpu(accmt::arange(-3.5, 100.25, 0.37, gpu), accmt::arange(-3.5, 100.25, 0.37, cpu),
                  label("arange", dtype, "fractional step"));
      same_as_cpu(accmt::arange(5.0, -7.0, -0.25, gpu), accmt::arange(5.0, -7.0, -0.25, cpu),
                  label("arange", dtype, "negative step"));
      for (int64_t steps : {2, 3, 1000, 1001})
        same_as_cpu(accmt::linspace(-2.5, 7.0, steps, gpu), accmt::linspace(-2.5, 7.0, steps, cpu),
                    label("linspace", dtype, std::to_string(steps).c_str()));
    }
    same_as_cpu(accmt::arange(Scalar(1000003), accmt::TensorOptions{.dtype = DType::Int64, .device = kCuda}),
                accmt::arange(Scalar(1000003)), "arange int64");
    same_as_cpu(accmt::arange(10, -20, -3, accmt::TensorOptions{.dtype = DType::Int32, .device = kCuda}),
                accmt::arange(10, -20, -3, accmt::TensorOptions{.dtype = DType::Int32}), "arange int32 down");
    same_as_cpu(accmt::arange(0, 250, 1, accmt::TensorOptions{.dtype = DType::UInt8, .device = kCuda}),
                accmt::arange(0, 250, 1, accmt::TensorOptions{.dtype = DType::UInt8}), "arange uint8");
    same_as_cpu(accmt::linspace(-100, 100, 51, {.dtype = DType::Int32, .device = kCuda}),
                accmt::linspace(-100, 100, 51, {.dtype = DType::Int32}), "linspace int32");
  }

  TEST_CASE("empty tensors launch nothing and keep their shapes") {
    const Tensor e = accmt::empty({0, 4}, {.device = kCuda});
    CHECK(e.exp().sizes() == Shape{0, 4});
    CHECK(e.add(e).sizes() == Shape{0, 4});
    CHECK(e.gt(0.5).sizes() == Shape{0, 4});
    CHECK(accmt::where(e.gt(0.5), e, e).sizes() == Shape{0, 4});
    CHECK(e.clamp(Scalar(0), Scalar(1)).sizes() == Shape{0, 4});
    CHECK(accmt::linspace(0.0, 1.0, 0, {.device = kCuda}).numel() == 0);
    CHECK_NOTHROW(accmt::cuda::synchronize(0));
  }

  TEST_CASE("tensors larger than one grid: vector loops, scalar tails and strided loops all stride") {
    Generator gen(112);
    // Above 2^27 float32 elements the vector loop (8 per thread and step) needs a second
    // pass over the largest grid (65536 blocks of 256 threads); the odd size leaves a tail.
    const int64_t n = (int64_t(1) << 27) + (int64_t(1) << 21) + 5;
    const Tensor g = accmt::rand({n}, {.device = kCuda}, &gen);
    const Tensor x = g.cpu();
    CHECK(g.neg().cpu().equal(x.neg()));
    CHECK(g.add(g).cpu().equal(x.add(x)));
    CHECK(g.mul(0.5).cpu().equal(x.mul(0.5)));
    CHECK(g.gt(0.5).cpu().equal(x.gt(0.5)));
    CHECK(accmt::where(g.gt(0.5), g, Scalar(-1.0)).cpu().equal(accmt::where(x.gt(0.5), x, Scalar(-1.0))));
    // Misaligned (scalar contiguous loop) and stepped (strided loop), each above 65536 * 256.
    CHECK(misaligned(g).neg().cpu().equal(misaligned(x).neg()));
    const Tensor gs = g.slice(0, 1, std::nullopt, 3), xs = x.slice(0, 1, std::nullopt, 3);
    same_as_cpu(gs.exp(), xs.exp(), "exp stepped, large");
    CHECK(gs.clamp(Scalar(0.25), Scalar(0.75)).cpu().equal(xs.clamp(Scalar(0.25), Scalar(0.75))));
    // 16-bit: 8 elements per vector.
    const Tensor gb = g.slice(0, 0, (int64_t(1) << 24) + 13).to(DType::BFloat16);
    const Tensor xb = x.slice(0, 0, (int64_t(1) << 24) + 13).to(DType::BFloat16);
    CHECK(gb.cpu().equal(xb));
    CHECK(gb.neg().cpu().equal(xb.neg()));
    CHECK(gb.add(gb).cpu().equal(xb.add(xb)));
  }
}
