#pragma once
// All learning-rate schedulers and the factory.
#include "optim/lr_scheduler.hpp"
#include "optim/scheduler_factory.hpp"
#include "optim/schedulers_chain.hpp"
#include "optim/schedulers_cyclic.hpp"
#include "optim/schedulers_hf.hpp"
#include "optim/schedulers_torch.hpp"
