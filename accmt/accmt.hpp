#pragma once
// The umbrella header: everything a user of accmt needs.
#include "autograd/grad_mode.hpp"
#include "autograd/gradcheck.hpp"
#include "autograd/node.hpp"
#include "data/data.hpp"
#include "nn/nn.hpp"
#include "optim/optim.hpp"
#include "optim/schedulers.hpp"
#include "tensor/device.hpp"
#include "tensor/dtype.hpp"
#include "tensor/random.hpp"
#include "tensor/tensor.hpp"
