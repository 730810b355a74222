#pragma once
// All of accmt::nn::functional.
#include "nn/functional/activation.hpp"
#include "nn/functional/attention.hpp"
#include "nn/functional/conv.hpp"
#include "nn/functional/loss.hpp"
#include "nn/functional/normalization.hpp"
