// Losses: cross_entropy runs the fused kernel family through autograd::cross_entropy_rows;
// the rest are compositions of differentiable tensor ops (BCE variants use ops with
// PyTorch's closed-form gradients, see autograd/ops_loss.hpp).
#include "nn/functional/loss.hpp"

#include "autograd/grad_mode.hpp"
#include "autograd/ops_loss.hpp"
#include "tensor/native_loss.hpp"

namespace accmt::nn::functional {

namespace {

enum class Reduction { None, Mean, Sum, BatchMean };

Reduction parse_reduction(const char* op, const std::string& r, bool allow_batchmean = false) {
  if (r == "none") return Reduction::None;
  if (r == "mean") return Reduction::Mean;
  if (r == "sum") return Reduction::Sum;
  if (allow_batchmean && r == "batchmean") return Reduction::BatchMean;
  throw Error(detail::concat(op, ": reduction must be 'none', 'mean' or 'sum'", allow_batchmean ? " or 'batchmean'" : "",
                             ", got '", r, "'"));
}

Tensor reduce(const Tensor& loss, Reduction r) {
  switch (r) {
    case Reduction::None: return loss;
    case Reduction::Sum: return loss.sum();
    default: return loss.mean();
  }
}

void check_defined(const char* op, const Tensor& t, const char* what) {
  ACCMT_CHECK(t.defined(), op, ": ", what, " is an undefined tensor");
}

// input and target of one elementwise loss: same shape, floating input.
void check_pair(const char* op, const Tensor& input, const Tensor& target) {
  check_defined(op, input, "input");
  check_defined(op, target, "target");
  ACCMT_CHECK(input.is_floating_point(), op, ": expected a floating input, got ", dtype_name(input.dtype()));
  ACCMT_CHECK(target.is_floating_point(), op, ": expected a floating target, got ", dtype_name(target.dtype()));
  ACCMT_CHECK(input.sizes() == target.sizes(), op, ": target shape ", shape_str(target.sizes()),
              " must equal the input shape ", shape_str(input.sizes()));
}

// An optional weight must broadcast to `shape` without growing it.
void check_weight(const char* op, const char* what, const Tensor& w, const Shape& shape) {
  if (!w.defined()) return;
  ACCMT_CHECK(w.is_floating_point(), op, ": ", what, " must be floating, got ", dtype_name(w.dtype()));
  bool ok = w.dim() <= int64_t(shape.size());
  for (int64_t i = 1; ok && i <= w.dim(); ++i) {
    int64_t ws = w.size(-i), s = shape[shape.size() - size_t(i)];
    ok = ws == 1 || ws == s;
  }
  ACCMT_CHECK(ok, op, ": ", what, " of shape ", shape_str(w.sizes()), " does not broadcast to the input shape ",
              shape_str(shape));
}

// Class-index losses see their input as rows of classes: [C] -> [1, C], [N, C] as is,
// [N, C, d1, ...] -> [N * d1 * ..., C]. `row_shape` is the matching target shape.
struct ClassRows {
  Tensor rows;
  Shape row_shape;
};
ClassRows class_rows(const char* op, const Tensor& input) {
  ACCMT_CHECK(input.dim() >= 1 && input.is_floating_point(), op,
              ": expected floating input of shape [C], [N, C] or [N, C, d1, ...], got ", dtype_name(input.dtype()), " ",
              shape_str(input.sizes()));
  if (input.dim() == 1) return {input.unsqueeze(0), {}};
  if (input.dim() == 2) return {input, {input.size(0)}};
  Shape perm{0};
  for (int64_t d = 2; d < input.dim(); ++d) perm.push_back(d);
  perm.push_back(1);
  Tensor moved = input.permute(perm).contiguous();
  Shape row_shape = moved.sizes();
  row_shape.pop_back();
  return {moved.reshape({-1, input.size(1)}), row_shape};
}

// Class-index targets: integer, with the row shape of the input.
Tensor index_target(const char* op, const Tensor& input, const Tensor& target, const Shape& row_shape) {
  check_defined(op, target, "target");
  ACCMT_CHECK(is_integral(target.dtype(), false), op, ": class-index targets must be an integer tensor (int64), got ",
              dtype_name(target.dtype()));
  ACCMT_CHECK(target.sizes() == row_shape, op, ": for input of shape ", shape_str(input.sizes()),
              " expected class-index target of shape ", shape_str(row_shape), ", got ", shape_str(target.sizes()));
  return target.to(DType::Int64).reshape({-1});
}

void check_class_weight(const char* op, const Tensor& weight, const Tensor& input, int64_t classes) {
  if (!weight.defined()) return;
  ACCMT_CHECK(weight.dim() == 1 && weight.size(0) == classes && weight.dtype() == input.dtype(), op,
              ": weight must be a ", dtype_name(input.dtype()), " tensor of shape [", classes, "], got ",
              dtype_name(weight.dtype()), " ", shape_str(weight.sizes()));
}

}  // namespace

void check_reduction(const char* op, const std::string& reduction, bool allow_batchmean) {
  parse_reduction(op, reduction, allow_batchmean);
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyOptions& opts) {
  const char* op = "cross_entropy";
  Reduction red = parse_reduction(op, opts.reduction);
  check_defined(op, input, "input");
  check_defined(op, target, "target");
  ClassRows cr = class_rows(op, input);
  const int64_t classes = cr.rows.size(1);
  check_class_weight(op, opts.weight, input, classes);
  Tensor t;
  const bool prob = target.is_floating_point();
  if (prob) {
    ACCMT_CHECK(target.sizes() == input.sizes(), op, ": class-probability target shape ", shape_str(target.sizes()),
                " must equal the input shape ", shape_str(input.sizes()));
    ACCMT_CHECK(opts.ignore_index == -100, op, ": ignore_index applies to class-index targets only, not to "
                "class probabilities");
    t = class_rows(op, target.to(input.dtype())).rows;
  } else {
    t = index_target(op, input, target, cr.row_shape);
  }
  auto [loss, row_weight] = autograd::cross_entropy_rows(cr.rows, t, opts.weight, opts.ignore_index,
                                                         opts.label_smoothing);
  switch (red) {
    case Reduction::None: return loss.reshape(cr.row_shape);
    case Reduction::Sum: return loss.sum();
    default: return prob ? loss.mean() : loss.sum() / row_weight.sum();
  }
}

Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossOptions& opts) {
  const char* op = "nll_loss";
  Reduction red = parse_reduction(op, opts.reduction);
  check_defined(op, input, "input");
  ClassRows cr = class_rows(op, input);
  const int64_t classes = cr.rows.size(1);
  check_class_weight(op, opts.weight, input, classes);
  Tensor t = index_target(op, input, target, cr.row_shape);
  native::check_class_targets(op, t, classes, opts.ignore_index);
  Tensor valid = t.ne(Scalar(opts.ignore_index));
  Tensor safe = where(valid, t, Scalar(int64_t(0)));
  Tensor picked = cr.rows.gather(1, safe.unsqueeze(1)).squeeze(1);
  Tensor w = opts.weight.defined() ? opts.weight.index_select(0, safe) : ones_like(picked).detach();
  w = where(valid, w, Scalar(0.0));
  Tensor loss = -(picked * w);
  switch (red) {
    case Reduction::None: return loss.reshape(cr.row_shape);
    case Reduction::Sum: return loss.sum();
    default: return loss.sum() / w.sum();
  }
}

Tensor mse_loss(const Tensor& input, const Tensor& target, const std::string& reduction) {
  Reduction red = parse_reduction("mse_loss", reduction);
  check_pair("mse_loss", input, target);
  return reduce((input - target).square(), red);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, const std::string& reduction) {
  Reduction red = parse_reduction("l1_loss", reduction);
  check_pair("l1_loss", input, target);
  return reduce((input - target).abs(), red);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const std::string& reduction, double beta) {
  const char* op = "smooth_l1_loss";
  Reduction red = parse_reduction(op, reduction);
  check_pair(op, input, target);
  ACCMT_CHECK(beta >= 0.0, op, ": beta must be >= 0, got ", beta);
  Tensor d = (input - target).abs();
  if (beta == 0.0) return reduce(d, red);
  return reduce(where(d.lt(Scalar(beta)), d.square() * (0.5 / beta), d - 0.5 * beta), red);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, const std::string& reduction, double delta) {
  const char* op = "huber_loss";
  Reduction red = parse_reduction(op, reduction);
  check_pair(op, input, target);
  ACCMT_CHECK(delta > 0.0, op, ": delta must be > 0, got ", delta);
  Tensor d = (input - target).abs();
  return reduce(where(d.lt(Scalar(delta)), d.square() * 0.5, (d - 0.5 * delta) * delta), red);
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                            const std::string& reduction) {
  const char* op = "binary_cross_entropy";
  Reduction red = parse_reduction(op, reduction);
  check_pair(op, input, target);
  check_weight(op, "weight", weight, input.sizes());
  bool in_range;
  {
    autograd::NoGradGuard ng;
    in_range = input.numel() == 0 || (input.ge(Scalar(0.0)) && input.le(Scalar(1.0))).all().item<bool>();
  }
  ACCMT_CHECK(in_range, op, ": all elements of input must be probabilities in [0, 1] (use "
              "binary_cross_entropy_with_logits for logits)");
  return reduce(autograd::binary_cross_entropy_elementwise(input, target, weight), red);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const BCEWithLogitsOptions& opts) {
  const char* op = "binary_cross_entropy_with_logits";
  Reduction red = parse_reduction(op, opts.reduction);
  check_pair(op, input, target);
  check_weight(op, "weight", opts.weight, input.sizes());
  check_weight(op, "pos_weight", opts.pos_weight, input.sizes());
  return reduce(autograd::binary_cross_entropy_with_logits_elementwise(input, target, opts.weight, opts.pos_weight),
                red);
}

Tensor kl_div(const Tensor& input, const Tensor& target, const std::string& reduction, bool log_target) {
  const char* op = "kl_div";
  Reduction red = parse_reduction(op, reduction, true);
  check_pair(op, input, target);
  Tensor loss;
  if (log_target) {
    loss = target.exp() * (target - input);
  } else {
    // t * log t is 0 at t = 0 (xlogy); the safe log keeps that branch's gradient finite.
    Tensor zero = target.eq(Scalar(0.0));
    Tensor t_safe = where(zero, Scalar(1.0), target);
    loss = target * t_safe.log() - target * input;
  }
  if (red == Reduction::BatchMean) {
    Tensor s = loss.sum();
    return input.dim() == 0 ? s : s / double(input.size(0));
  }
  return reduce(loss, red);
}

}  // namespace accmt::nn::functional
