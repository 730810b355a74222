#pragma once
// OrderedPrefetcher: worker threads that make the batches numbered [first, end) ahead of
// the consumer and hand them out in order. At most `capacity` batches are in flight
// (claimed by a worker or waiting in the reorder buffer), which bounds the memory held.
// A job's exception is delivered in order too: next() rethrows it for that batch number.
// The destructor stops the workers and joins them; a worker waiting for room wakes up and
// leaves, one busy in a job leaves after that job, so an early stop never hangs.
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace accmt::data {

// Called first in every worker thread: gives it one OpenMP thread, so tensor ops inside
// datasets do not start a team per worker (oversubscription) or nest teams.
void prepare_worker_thread();

template <class B> class OrderedPrefetcher {
 public:
  using Job = std::function<B(int64_t)>;

  OrderedPrefetcher(Job job, int64_t first, int64_t end, int num_workers, int64_t capacity)
      : job_(std::move(job)), next_job_(first), next_out_(first), end_(end), capacity_(capacity) {
    threads_.reserve(static_cast<size_t>(num_workers));
    for (int w = 0; w < num_workers; ++w) threads_.emplace_back([this] { work(); });
  }
  ~OrderedPrefetcher() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    room_.notify_all();
    for (auto& t : threads_) t.join();
  }
  OrderedPrefetcher(const OrderedPrefetcher&) = delete;
  OrderedPrefetcher& operator=(const OrderedPrefetcher&) = delete;

  // The next batch in order (blocks until a worker has made it); rethrows its job's error.
  B next() {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_cv_.wait(lock, [&] { return ready_.count(next_out_) != 0; });
    auto node = ready_.extract(next_out_);
    ++next_out_;
    lock.unlock();
    room_.notify_all();
    Result& r = node.mapped();
    if (r.error) std::rethrow_exception(r.error);
    return std::move(*r.batch);
  }

 private:
  struct Result {
    std::optional<B> batch;
    std::exception_ptr error;
  };

  void work() {
    prepare_worker_thread();
    for (;;) {
      int64_t j;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        room_.wait(lock, [&] { return stop_ || next_job_ >= end_ || next_job_ < next_out_ + capacity_; });
        if (stop_ || next_job_ >= end_) return;
        j = next_job_++;
      }
      Result r;
      try {
        r.batch.emplace(job_(j));
      } catch (...) {
        r.error = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ready_.emplace(j, std::move(r));
      }
      ready_cv_.notify_all();
    }
  }

  Job job_;
  std::mutex mutex_;
  std::condition_variable room_, ready_cv_;
  int64_t next_job_, next_out_, end_, capacity_;
  bool stop_ = false;
  std::map<int64_t, Result> ready_;  // the reorder buffer, by batch number
  std::vector<std::thread> threads_;
};

}  // namespace accmt::data
