#pragma once
// Builds an optimizer from the `optim:` map of a hyper-parameter file, by torch.optim's
// class names and argument names (plus transformers' Adafactor).
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "optim/optimizer.hpp"

namespace accmt::optim {

// An argument value: a number (numeric strings like "1e-3" count as numbers), a bool, a
// string, or a list of numbers (betas, etas, step_sizes, Adafactor's eps pair).
using OptimizerValue = std::variant<double, std::string, bool, std::vector<double>>;

// Throws accmt::Error for an unknown type (listing the known ones), an unknown argument
// (listing that optimizer's arguments), a value of the wrong kind, or a value the
// optimizer rejects.
std::unique_ptr<Optimizer> make_optimizer(const std::string& type, std::vector<Tensor> params,
                                          const std::map<std::string, OptimizerValue>& options);

// The names make_optimizer accepts, in documentation order.
const std::vector<std::string>& optimizer_names();
// The argument names one optimizer accepts (throws for an unknown type).
const std::vector<std::string>& optimizer_arguments(const std::string& type);

}  // namespace accmt::optim
