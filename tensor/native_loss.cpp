// Fused cross-entropy front-ends.
#include "tensor/native_loss.hpp"

namespace accmt::native {

namespace {

// Contiguous inputs in the kernel's layout, after the checks every call needs.
struct CeInputs {
  Tensor logits, target, weight;
  kernels::CrossEntropyArgs args;
};

CeInputs prepare(const Tensor& logits, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                 double label_smoothing) {
  const char* op = "cross_entropy";
  check_defined(op, logits);
  check_defined(op, target);
  ACCMT_CHECK(logits.dim() == 2 && is_floating(logits.dtype()), op, ": expected floating [rows, classes] logits, got ",
              dtype_name(logits.dtype()), " ", shape_str(logits.sizes()));
  ACCMT_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, op, ": label_smoothing must be in [0, 1], got ",
              label_smoothing);
  const int64_t rows = logits.size(0), classes = logits.size(1);
  ACCMT_CHECK(classes > 0 || rows == 0, op, ": expected at least one class, got logits ", shape_str(logits.sizes()));
  CeInputs in;
  in.logits = contiguous(logits);
  const bool prob = is_floating(target.dtype());
  if (prob) {
    ACCMT_CHECK(target.sizes() == logits.sizes() && target.dtype() == logits.dtype(), op,
                ": probability targets must match the logits' shape and dtype (", shape_str(logits.sizes()), " ",
                dtype_name(logits.dtype()), "), got ", shape_str(target.sizes()), " ", dtype_name(target.dtype()));
  } else {
    ACCMT_CHECK(target.dtype() == DType::Int64 && target.dim() == 1 && target.size(0) == rows, op,
                ": class-index targets must be int64 of shape [", rows, "], got ", dtype_name(target.dtype()), " ",
                shape_str(target.sizes()));
  }
  in.target = contiguous(target);
  std::vector<Tensor> all{logits, target};
  if (weight.defined()) {
    ACCMT_CHECK(weight.dim() == 1 && weight.size(0) == classes && weight.dtype() == logits.dtype(), op,
                ": weight must be a ", dtype_name(logits.dtype()), " tensor of shape [", classes, "], got ",
                dtype_name(weight.dtype()), " ", shape_str(weight.sizes()));
    in.weight = contiguous(weight);
    all.push_back(weight);
  }
  check_same_device(op, all);
  in.args.logits = ref(in.logits);
  in.args.target = ref(in.target);
  in.args.prob_target = prob;
  if (weight.defined()) in.args.weight = ref(in.weight);
  in.args.ignore_index = ignore_index;
  in.args.label_smoothing = label_smoothing;
  return in;
}

}  // namespace

// An out-of-range index would otherwise read outside its row.
void check_class_targets(const char* op, const Tensor& target, int64_t classes, int64_t ignore_index) {
  if (target.numel() == 0 || !target.device().is_cpu()) return;
  Tensor bad = (target.lt(Scalar(0)) || target.ge(Scalar(classes))) && target.ne(Scalar(ignore_index));
  if (!bad.any().item<bool>()) return;
  int64_t first = bad.reshape({-1}).to(DType::Int64).argmax().item<int64_t>();
  throw Error(detail::concat(op, ": target ", target.reshape({-1})[first].item<int64_t>(), " at position ", first,
                             " is out of range for ", classes, " classes (expected 0 <= target < ", classes,
                             " or target == ignore_index ", ignore_index, ")"));
}

CrossEntropyRows cross_entropy_forward(const Tensor& logits, const Tensor& target, const Tensor& weight,
                                       int64_t ignore_index, double label_smoothing) {
  CeInputs in = prepare(logits, target, weight, ignore_index, label_smoothing);
  if (!in.args.prob_target) check_class_targets("cross_entropy", in.target, logits.size(1), ignore_index);
  const int64_t rows = logits.size(0);
  CrossEntropyRows out{empty({rows}, logits.dtype(), logits.device()), empty({rows}, logits.dtype(), logits.device()),
                       empty({rows}, logits.dtype(), logits.device())};
  if (rows > 0) backend_of(logits).cross_entropy_forward(in.args, ref(out.loss), ref(out.lse), ref(out.row_weight));
  return out;
}

Tensor cross_entropy_backward(const Tensor& logits, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                              double label_smoothing, const Tensor& lse, const Tensor& grad_loss) {
  CeInputs in = prepare(logits, target, weight, ignore_index, label_smoothing);
  const int64_t rows = logits.size(0);
  ACCMT_CHECK(lse.sizes() == Shape{rows} && grad_loss.sizes() == Shape{rows}, "cross_entropy_backward: expected lse and "
              "grad_loss of shape [", rows, "], got ", shape_str(lse.sizes()), " and ", shape_str(grad_loss.sizes()));
  Tensor l = contiguous(cast(lse, logits.dtype()));
  Tensor g = cast(grad_loss, logits.dtype());
  if (g.stride(0) != 0 && g.stride(0) != 1) g = contiguous(g);
  Tensor out = empty(logits.sizes(), logits.dtype(), logits.device());
  if (out.numel() > 0) backend_of(logits).cross_entropy_backward(in.args, ref(l), ref(g), ref(out));
  return out;
}

}  // namespace accmt::native
