// Multi-tensor optimizer steps, capturable Adam under a CUDA graph, and the fused grad
// norm / clipping on CUDA against the CPU: hundreds of tensors (more than one launch's
// table holds), large ones cut into many chunks, and a misaligned view (scalar path).
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include <accmt/accmt.hpp>
#include "tensor/native_clip.hpp"
#include "tensor/native_optim.hpp"
#include "tests/cuda/parity.hpp"

using accmt::DType;
using accmt::Shape;
using accmt::Tensor;
using accmt::test::cuda::kCuda;
using accmt::test::cuda::randn_cpu;
using accmt::test::cuda::same_as_cpu;
namespace native = accmt::native;
namespace kernels = accmt::kernels;
namespace optim = accmt::optim;

namespace {

// 300 small tensors of varied sizes, two large ones and a view starting one element in.
std::vector<Shape> many_shapes() {
  std::vector<Shape> out;
  for (int i = 0; i < 300; ++i) out.push_back({int64_t(1 + (i * 37) % 301)});
  out.push_back({200003});
  out.push_back({3, 65536});
  return out;
}

struct Lists {
  std::vector<Tensor> cpu, cuda;
};

// Normal values times `scale`; their magnitudes when `positive` (second moments).
Lists make(const std::vector<Shape>& shapes, DType dt, accmt::Generator& gen, double scale = 1.0,
           bool positive = false) {
  auto draw = [&](const Shape& s) {
    Tensor t = randn_cpu(s, dt, gen).mul(scale);
    return positive ? t.abs() : t;
  };
  Lists l;
  for (const Shape& s : shapes) {
    Tensor c = draw(s);
    l.cpu.push_back(c);
    l.cuda.push_back(c.to(kCuda));
  }
  // A misaligned view: contiguous, but 2 or 4 bytes past a 16-byte boundary.
  Tensor base = draw({1001});
  l.cpu.push_back(base.narrow(0, 1, 1000));
  l.cuda.push_back(base.to(kCuda).narrow(0, 1, 1000));
  return l;
}

void check_lists(const Lists& l, const std::string& what, DType dt) {
  const double rtol = dt == DType::Float32 ? 1e-5 : -1, atol = dt == DType::Float32 ? 1e-6 : -1;
  for (size_t i = 0; i < l.cpu.size(); ++i) same_as_cpu(l.cuda[i], l.cpu[i], what + " " + std::to_string(i), rtol, atol);
}

}  // namespace

TEST_SUITE("cuda.multi_tensor") {
  TEST_CASE("multi-tensor Adam/AdamW matches the CPU on hundreds of tensors") {
    for (DType dt : {DType::Float32, DType::BFloat16})
      for (int flags : {0, 2, 4, 7}) {
        CAPTURE(accmt::dtype_name(dt));
        CAPTURE(flags);
        accmt::Generator gen(7);
        const auto shapes = many_shapes();
        Lists p = make(shapes, dt, gen), g = make(shapes, dt, gen), m = make(shapes, dt, gen, 0.1),
              v = make(shapes, dt, gen, 0.01, true), x = make(shapes, dt, gen, 0.02, true);
        kernels::AdamStepArgs args{1e-2, 0.9, 0.999, 1e-8, 0.1, (flags & 4) != 0, (flags & 2) != 0, (flags & 1) != 0, 5};
        for (int dev = 0; dev < 2; ++dev) {
          std::vector<native::AdamOperands> list;
          for (size_t i = 0; i < p.cpu.size(); ++i) {
            auto pick = [&](const Lists& l) { return dev ? l.cuda[i] : l.cpu[i]; };
            list.push_back({pick(p), pick(g), pick(m), pick(v), args.amsgrad ? pick(x) : Tensor(), {}});
          }
          native::adam_step_multi_(list, args);
        }
        check_lists(p, "param", dt);
        check_lists(m, "exp_avg", dt);
        check_lists(v, "exp_avg_sq", dt);
      }
  }

  TEST_CASE("multi-tensor SGD matches the CPU on hundreds of tensors") {
    for (DType dt : {DType::Float32, DType::BFloat16})
      for (bool first : {true, false}) {
        CAPTURE(accmt::dtype_name(dt));
        accmt::Generator gen(8);
        const auto shapes = many_shapes();
        Lists p = make(shapes, dt, gen), g = make(shapes, dt, gen), b = make(shapes, dt, gen);
        kernels::SgdStepArgs args{0.05, 0.9, 0.0, 0.01, true, false, first};
        for (int dev = 0; dev < 2; ++dev) {
          std::vector<native::SgdOperands> list;
          for (size_t i = 0; i < p.cpu.size(); ++i)
            list.push_back(dev ? native::SgdOperands{p.cuda[i], g.cuda[i], b.cuda[i]}
                               : native::SgdOperands{p.cpu[i], g.cpu[i], b.cpu[i]});
          native::sgd_step_multi_(list, args);
        }
        check_lists(p, "param", dt);
        check_lists(b, "momentum_buffer", dt);
      }
  }

  TEST_CASE("a capturable AdamW step captured once and replayed 10 times equals 10 eager steps") {
    accmt::Generator gen(9);
    auto shapes = many_shapes();
    shapes.resize(40);
    shapes.push_back({100003});
    std::vector<Tensor> a, b;  // a: captured, b: eager
    for (const Shape& s : shapes) {
      Tensor c = randn_cpu(s, DType::Float32, gen);
      a.push_back(c.to(kCuda).requires_grad_());
      b.push_back(c.to(kCuda).requires_grad_());
    }
    optim::AdamW captured(a, {.lr = 1e-2, .weight_decay = 0.05, .amsgrad = true});
    optim::AdamW eager(b, {.lr = 1e-2, .weight_decay = 0.05, .amsgrad = true});
    captured.set_capturable(true);
    auto new_grads = [&]() {
      for (size_t i = 0; i < a.size(); ++i) {
        Tensor g = randn_cpu(a[i].sizes(), DType::Float32, gen).to(kCuda);
        if (a[i].grad().defined()) a[i].grad().copy_(g);  // in place: the graph reads these buffers
        else a[i].set_grad(g.clone());
        b[i].set_grad(g);
      }
    };
    new_grads();
    captured.step();  // warm-up outside the capture: state and device hyper-parameters exist
    eager.step();
    accmt::cuda::Graph graph;
    graph.capture_begin();
    captured.step();
    graph.capture_end();
    // The capture recorded without running: the parameters are still those of the warm-up.
    for (size_t i = 0; i < a.size(); ++i) CHECK(a[i].detach().cpu().equal(b[i].detach().cpu()));
    for (int k = 0; k < 10; ++k) {
      if (k > 0) new_grads();
      const double lr = 1e-2 * (1.0 - 0.08 * k);
      captured.param_groups()[0].set_lr(lr);
      eager.param_groups()[0].set_lr(lr);
      captured.upload_hyperparameters();
      graph.replay();
      eager.step();
    }
    for (size_t i = 0; i < a.size(); ++i)
      same_as_cpu(a[i].detach(), b[i].detach().cpu(), "parameter " + std::to_string(i), 1e-6, 1e-7);
    CHECK(captured.state_dict().state.at(0).at("step").item<double>() == 11.0);
  }

  TEST_CASE("a tensor larger than one launch's 320 chunks continues in the next launch") {
    // 25M elements = 382 chunks of 65536: the table fills up inside this tensor, which
    // then goes on in slot 0 of the next launch (GPT-2's embedding is such a tensor).
    accmt::Generator gen(12);
    const std::vector<Shape> shapes = {{1000}, {25'000'000}, {77}, {3, 65537}};
    Lists p = make(shapes, DType::Float32, gen), g = make(shapes, DType::Float32, gen),
          m = make(shapes, DType::Float32, gen, 0.1), v = make(shapes, DType::Float32, gen, 0.01, true),
          b = make(shapes, DType::Float32, gen);
    const kernels::AdamStepArgs adam{1e-2, 0.9, 0.999, 1e-8, 0.1, true, false, false, 3};
    const kernels::SgdStepArgs sgd{0.05, 0.9, 0.0, 0.01, false, false, false};
    for (int dev = 0; dev < 2; ++dev) {
      std::vector<native::AdamOperands> adam_list;
      std::vector<native::SgdOperands> sgd_list;
      for (size_t i = 0; i < p.cpu.size(); ++i) {
        auto pick = [&](const Lists& l) { return dev ? l.cuda[i] : l.cpu[i]; };
        adam_list.push_back({pick(p), pick(g), pick(m), pick(v), Tensor(), {}});
        sgd_list.push_back({pick(p), pick(g), pick(b)});
      }
      native::adam_step_multi_(adam_list, adam);
      native::sgd_step_multi_(sgd_list, sgd);
    }
    check_lists(p, "param", DType::Float32);
    check_lists(m, "exp_avg", DType::Float32);
    check_lists(b, "momentum_buffer", DType::Float32);
    for (double norm : {2.0, optim::kInf}) {
      CAPTURE(norm);
      same_as_cpu(native::multi_norm(g.cuda, norm), native::multi_norm(g.cpu, norm), "multi_norm", 1e-5, 0);
    }
  }

  TEST_CASE("fused grad norm and clipping match the CPU") {
    accmt::Generator gen(10);
    for (double p : {2.0, 1.0, optim::kInf, 3.0}) {
      CAPTURE(p);
      std::vector<Tensor> cpu, cuda;
      for (const Shape& s : many_shapes()) {
        Tensor c = accmt::zeros(s).requires_grad_();
        c.set_grad(randn_cpu(s, DType::Float32, gen));
        Tensor d = accmt::zeros(s, {.device = kCuda}).requires_grad_();
        d.set_grad(c.grad().to(kCuda));
        cpu.push_back(c);
        cuda.push_back(d);
      }
      Tensor norm_cuda = optim::grad_norm(cuda, p);
      CHECK(norm_cuda.device() == kCuda);
      same_as_cpu(norm_cuda, optim::grad_norm(cpu, p), "grad_norm", 1e-5, 0);
      Tensor total_cuda = optim::clip_grad_norm_(cuda, 0.5, p);
      Tensor total_cpu = optim::clip_grad_norm_(cpu, 0.5, p);
      same_as_cpu(total_cuda, total_cpu, "clip total", 1e-5, 0);
      for (size_t i = 0; i < cpu.size(); ++i)
        same_as_cpu(cuda[i].grad(), cpu[i].grad(), "clipped grad " + std::to_string(i), 1e-5, 1e-8);
      // Deterministic: the same norms twice.
      std::vector<Tensor> grads;
      for (const Tensor& t : cuda) grads.push_back(t.grad());
      CHECK(native::multi_norm(grads, p).cpu().equal(native::multi_norm(grads, p).cpu()));
    }
  }
}
