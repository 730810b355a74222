// DataLoader pin_memory on a GPU machine: batches land in page-locked memory (from the
// loader's thread and from workers), hold the same values as unpinned batches, and copy to
// the device unchanged.
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include <accmt/accmt.hpp>

using namespace accmt;
using namespace accmt::data;

TEST_SUITE("cuda.data") {

TEST_CASE("pin_batch pins every CPU tensor and keeps its values") {
  Generator gen(3);
  Batch b{{"x", rand({4, 3}, {}, &gen)}, {"y", randint(1, 9, {4}, {.dtype = DType::Int64}, &gen)}};
  Batch pinned = b;
  pin_batch(pinned);
  for (size_t k = 0; k < b.size(); ++k) {
    CHECK(pinned[k].is_pinned());
    CHECK(!b[k].is_pinned());
    CHECK(pinned[k].equal(b[k]));
  }
}

TEST_CASE("a pin_memory loader gives pinned batches equal to unpinned ones, with and without workers") {
  Generator gen(5);
  auto ds = std::make_shared<TensorDataset>(Batch{{"image", rand({40, 3, 8, 8}, {}, &gen)},
                                                  {"label", randint(0, 10, {40}, {.dtype = DType::Int64}, &gen)}});
  DataLoader plain(ds, {.batch_size = 8, .shuffle = true, .seed = 2});
  std::vector<Batch> expected;
  for (Batch& b : plain) expected.push_back(b);
  for (int workers : {0, 2}) {
    DataLoader pinned(ds, {.batch_size = 8, .shuffle = true, .num_workers = workers, .pin_memory = true, .seed = 2});
    size_t k = 0;
    for (Batch& b : pinned) {
      REQUIRE(k < expected.size());
      CHECK(b["image"].is_pinned());
      CHECK(b["label"].is_pinned());
      Batch on_gpu = b.to(Device("cuda:0"));
      CHECK(on_gpu["image"].device().is_cuda());
      CHECK(on_gpu["image"].cpu().equal(expected[k]["image"]));
      CHECK(on_gpu["label"].cpu().equal(expected[k]["label"]));
      ++k;
    }
    CHECK(k == expected.size());
  }
}

}  // TEST_SUITE
