// Datasets: tensors, CSV (plain and gzip), IDX, token files, Subset and Concat, and their
// errors on bad files. Files are written at test time into a temporary folder.
#include <cstring>
#include <set>

#include "tests/data/data_helpers.hpp"
#include "tests/support/checks.hpp"

using namespace datatest;
using accmt::test::error_of;

namespace {

bool has(const std::string& message, const std::string& part) {
  if (message.find(part) != std::string::npos) return true;
  MESSAGE("message: " << message << "\nexpected to contain: " << part);
  return false;
}

std::string be32(uint32_t v) {
  return std::string{char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}

// An IDX file of uint8 values with the given dims (values: i % 251).
std::string idx_u8(const std::vector<uint32_t>& dims, size_t drop_tail = 0) {
  std::string s{0, 0, 0x08, char(dims.size())};
  size_t count = 1;
  for (uint32_t d : dims) {
    s += be32(d);
    count *= d;
  }
  for (size_t i = 0; i < count; ++i) s += char(i % 251);
  s.resize(s.size() - drop_tail);
  return s;
}

std::string tokens_u16(const std::vector<uint16_t>& t) {
  std::string s;
  for (uint16_t v : t) s += std::string{char(v & 0xFF), char(v >> 8)};
  return s;
}

std::string llmc_header(int32_t version, int32_t count) {
  std::string h(1024, '\0');
  int32_t fields[3] = {20240520, version, count};
  std::memcpy(h.data(), fields, sizeof(fields));
  return h;
}

}  // namespace

TEST_SUITE("data.datasets") {

TEST_CASE("TensorDataset returns row i of every tensor by name") {
  Tensor x = arange(12).reshape({4, 3}).to(DType::Float32);
  Tensor y = tensor(std::vector<int64_t>{5, 6, 7, 8});
  TensorDataset ds({{"x", x}, {"y", y}});
  CHECK(ds.size() == 4);
  Example e = ds.get(2);
  CHECK(e["x"].equal(tensor({6., 7., 8.})));
  CHECK(e["y"].item<int64_t>() == 7);
  CHECK(e[size_t{0}].equal(e["x"]));
  CHECK(has(error_of([&] { ds.get(4); }), "TensorDataset: index 4 is out of range for 4 examples"));
  CHECK(has(error_of([&] { TensorDataset({{"x", x}, {"y", tensor({1., 2.})}}); }), "'y' has 2 rows"));
  CHECK(has(error_of([&] { (void)e["z"]; }), "no key 'z'; the keys are [x, y]"));
}

TEST_CASE("Subset and Concat map indices") {
  auto a = std::make_shared<TensorDataset>(Batch{{"v", arange(3)}});
  auto b = std::make_shared<TensorDataset>(Batch{{"v", arange(10, 15)}});
  Concat cat({a, b});
  CHECK(cat.size() == 8);
  CHECK(cat.sizes() == std::vector<int64_t>{3, 5});
  CHECK(cat.get(2)["v"].item<int64_t>() == 2);
  CHECK(cat.get(3)["v"].item<int64_t>() == 10);
  CHECK(cat.get(7)["v"].item<int64_t>() == 14);
  CHECK(cat.locate(4) == std::pair<size_t, int64_t>{1, 1});
  Subset sub(b, {4, 0});
  CHECK(sub.size() == 2);
  CHECK(sub.get(0)["v"].item<int64_t>() == 14);
  CHECK(has(error_of([&] { Subset(b, {5}); }), "indices[0] = 5 is out of range for a dataset of 5"));
}

TEST_CASE("CSV: features and label, plain and gzip, header and label by name") {
  TempDir dir;
  const std::string text = "a,b,label\n1,2.5,0\n-3,4e1,2\n\n5, 6 ,1\n";
  write_file(dir.file("t.csv"), text);
  write_gzip(dir.file("t.csv.gz"), text);
  for (const char* name : {"t.csv", "t.csv.gz"}) {
    CsvDataset ds(dir.file(name), {.header = true, .label_name = "label"});
    CHECK(ds.size() == 3);
    CHECK(ds.column_names() == std::vector<std::string>{"a", "b", "label"});
    CHECK(ds.features().equal(tensor({{1., 2.5}, {-3., 40.}, {5., 6.}})));
    CHECK(ds.labels().dtype() == DType::Int64);
    Example e = ds.get(1);
    CHECK(e["features"].equal(tensor({-3., 40.})));
    CHECK(e["label"].item<int64_t>() == 2);
  }
  write_file(dir.file("n.csv"), "1;2\n3;4\n");
  CsvDataset plain(dir.file("n.csv"), {.delimiter = ';'});
  CHECK(plain.features().equal(tensor({{1., 2.}, {3., 4.}})));
  CHECK(!plain.get(0).contains("label"));
  CsvDataset first(dir.file("n.csv"), {.delimiter = ';', .label_column = 0});
  CHECK(first.labels().to_vector<int64_t>() == std::vector<int64_t>{1, 3});
}

TEST_CASE("CSV errors name the file, the line and what was expected") {
  TempDir dir;
  write_file(dir.file("w.csv"), "1,2,3\n4,5,6\n7,8\n");
  CHECK(has(error_of([&] { CsvDataset(dir.file("w.csv")); }), "w.csv:3 has 2 fields, expected 3 (the width of line 1)"));
  write_file(dir.file("x.csv"), "1,2\n3,abc\n");
  CHECK(has(error_of([&] { CsvDataset(dir.file("x.csv")); }), "x.csv:2, column 2: 'abc' is not a number"));
  write_file(dir.file("l.csv"), "1,2.5\n");
  CHECK(has(error_of([&] { CsvDataset(dir.file("l.csv"), {.label_column = -1}); }), "label 2.5 in data row 1 is not an integer"));
  CHECK(has(error_of([&] { CsvDataset(dir.file("missing.csv")); }), "cannot open"));
  // A gzip file cut short.
  std::string big;
  for (int i = 0; i < 3000; ++i) big += std::to_string(i) + "," + std::to_string(i * 7 % 13) + "\n";
  write_gzip(dir.file("c.csv.gz"), big);
  std::string gz = read_bytes(dir.file("c.csv.gz"));
  write_file(dir.file("cut.csv.gz"), gz.substr(0, gz.size() / 2));
  CHECK(has(error_of([&] { CsvDataset(dir.file("cut.csv.gz")); }), "cannot read"));
  CHECK(CsvDataset(dir.file("c.csv.gz")).size() == 3000);
}

TEST_CASE("IDX: images and labels like MNIST's files") {
  TempDir dir;
  write_file(dir.file("img.idx"), idx_u8({5, 2, 3}));
  std::string labels = std::string{0, 0, 0x08, 1} + be32(5) + std::string{3, 1, 4, 1, 5};
  write_gzip(dir.file("lbl.idx.gz"), labels);
  Tensor raw = read_idx(dir.file("img.idx"));
  CHECK(raw.dtype() == DType::UInt8);
  CHECK(raw.sizes() == Shape{5, 2, 3});
  CHECK(raw[1].flatten().to_vector<uint8_t>() == std::vector<uint8_t>{6, 7, 8, 9, 10, 11});
  IdxDataset ds(dir.file("img.idx"), dir.file("lbl.idx.gz"), {.channel_dim = true});
  CHECK(ds.size() == 5);
  Example e = ds.get(1);
  CHECK(e["image"].sizes() == Shape{1, 2, 3});
  CHECK(e["image"].allclose(tensor({6., 7., 8., 9., 10., 11.}).div(255.0).reshape({1, 2, 3})));
  CHECK(e["label"].item<int64_t>() == 1);
  // Big-endian int32 and float values.
  std::string ints = std::string{0, 0, 0x0C, 1} + be32(2) + be32(uint32_t(-7)) + be32(300);
  write_file(dir.file("i.idx"), ints);
  CHECK(read_idx(dir.file("i.idx")).to_vector<int32_t>() == std::vector<int32_t>{-7, 300});
  float f = 1.5f;
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  write_file(dir.file("f.idx"), std::string{0, 0, 0x0D, 1} + be32(1) + be32(bits));
  CHECK(read_idx(dir.file("f.idx")).item<float>() == 1.5f);
}

TEST_CASE("IDX errors: truncated data, truncated header, bad magic, mismatched labels") {
  TempDir dir;
  write_file(dir.file("t.idx"), idx_u8({4, 3, 3}, 5));
  CHECK(has(error_of([&] { read_idx(dir.file("t.idx")); }),
            "is truncated: the header promises [4, 3, 3] ubyte (36 bytes of data) but only 31 bytes follow"));
  write_file(dir.file("h.idx"), idx_u8({4, 3, 3}).substr(0, 10));
  CHECK(has(error_of([&] { read_idx(dir.file("h.idx")); }), "is truncated: 3 dimensions need a 16-byte header"));
  write_file(dir.file("m.idx"), "PK\x03\x04zzzz");
  CHECK(has(error_of([&] { read_idx(dir.file("m.idx")); }), "is not an IDX file"));
  write_file(dir.file("x.idx"), idx_u8({2}) + "!");
  CHECK(has(error_of([&] { read_idx(dir.file("x.idx")); }), "has 1 bytes after"));
  write_file(dir.file("img.idx"), idx_u8({4, 2, 2}));
  write_file(dir.file("lbl.idx"), idx_u8({3}));
  CHECK(has(error_of([&] { IdxDataset(dir.file("img.idx"), dir.file("lbl.idx")); }), "holds 4 images; expected [4]"));
}

TEST_CASE("token file: sequential windows of T + 1 tokens, uint16 and uint32") {
  TempDir dir;
  std::vector<uint16_t> toks;
  for (int i = 0; i < 23; ++i) toks.push_back(uint16_t(1000 + i * 2000));  // up to 45000: above int16
  write_file(dir.file("t16.bin"), tokens_u16(toks));
  TokenDataset ds(dir.file("t16.bin"), {.seq_len = 5});
  CHECK(ds.num_tokens() == 23);
  CHECK(ds.size() == 4);  // windows start at 0, 5, 10, 15 (the last one ends at token 20)
  Example e = ds.get(3);
  std::vector<int64_t> in, tg;
  for (int k = 0; k < 5; ++k) {
    in.push_back(toks[15 + k]);
    tg.push_back(toks[16 + k]);
  }
  CHECK(e["input"].to_vector<int64_t>() == in);
  CHECK(e["target"].to_vector<int64_t>() == tg);
  CHECK(e["input"].dtype() == DType::Int64);

  std::string u32;
  for (uint32_t v : {70000u, 1u, 4000000000u, 2u, 3u}) u32 += std::string(reinterpret_cast<const char*>(&v), 4);
  write_file(dir.file("t32.bin"), u32);
  TokenDataset big(dir.file("t32.bin"), {.seq_len = 2, .token_bytes = 4});
  CHECK(big.size() == 2);
  CHECK(big.get(1)["input"].to_vector<int64_t>() == std::vector<int64_t>{4000000000LL, 2});

  // llm.c header: version 1 = uint16.
  write_file(dir.file("h.bin"), llmc_header(1, 23) + tokens_u16(toks));
  TokenDataset h(dir.file("h.bin"), {.seq_len = 5, .token_bytes = 4});
  CHECK(h.num_tokens() == 23);
  CHECK(h.get(3)["target"].to_vector<int64_t>() == tg);
}

TEST_CASE("token file: random windows are a fixed function of (seed, index) and fit the file") {
  TempDir dir;
  std::vector<uint16_t> toks(100);
  for (int i = 0; i < 100; ++i) toks[i] = uint16_t(i);
  write_file(dir.file("r.bin"), tokens_u16(toks));
  TokenDataset a(dir.file("r.bin"), {.seq_len = 8, .random = true, .num_samples = 2000, .seed = 3});
  TokenDataset b(dir.file("r.bin"), {.seq_len = 8, .random = true, .num_samples = 2000, .seed = 3});
  TokenDataset c(dir.file("r.bin"), {.seq_len = 8, .random = true, .num_samples = 2000, .seed = 4});
  CHECK(a.size() == 2000);
  std::set<int64_t> starts;
  int differ = 0;
  for (int64_t i = 0; i < 2000; ++i) {
    int64_t s = a.window_start(i);
    CHECK((s >= 0 && s <= 100 - 9));
    CHECK(s == b.window_start(i));
    differ += s != c.window_start(i);
    starts.insert(s);
  }
  CHECK(differ > 1900);
  CHECK(starts.size() == 92);  // every start that fits is reached
  Example e = a.get(17);
  int64_t s = a.window_start(17);
  CHECK(e["input"][0].item<int64_t>() == s);
  CHECK(e["target"][7].item<int64_t>() == s + 8);
}

TEST_CASE("token file errors: truncated raw file, header mismatch, too short") {
  TempDir dir;
  write_file(dir.file("odd.bin"), tokens_u16({1, 2, 3, 4}) + "x");
  CHECK(has(error_of([&] { TokenDataset(dir.file("odd.bin"), {.seq_len = 2}); }),
            "has 9 bytes of tokens, not a whole number of 2-byte tokens: the file is truncated"));
  write_file(dir.file("h.bin"), llmc_header(1, 10) + tokens_u16({1, 2, 3, 4, 5, 6}));
  CHECK(has(error_of([&] { TokenDataset(dir.file("h.bin"), {.seq_len = 2}); }),
            "header declares 10 tokens (20 bytes) but 12 bytes follow the header"));
  write_file(dir.file("hh.bin"), llmc_header(1, 10).substr(0, 100));
  CHECK(has(error_of([&] { TokenDataset(dir.file("hh.bin"), {.seq_len = 2}); }), "less than the 1024-byte header"));
  write_file(dir.file("s.bin"), tokens_u16({1, 2, 3}));
  CHECK(has(error_of([&] { TokenDataset(dir.file("s.bin"), {.seq_len = 3}); }),
            "holds 3 tokens, fewer than one window of seq_len + 1 = 4"));
  CHECK(has(error_of([&] { TokenDataset(dir.file("none.bin"), {.seq_len = 3}); }), "cannot open"));
}

}  // TEST_SUITE
