// DType names and parsing, Device parsing, type promotion (promote_types and
// result_type with 0-d tensors and scalars) and the 16-bit float conversions, all
// checked against values produced by PyTorch.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>

#include "kernels/common/half.hpp"
#include "tensor/tensor.hpp"
#include "tests/tensor/helpers.hpp"

using namespace accmt;
using accmt::tensor_test::check_error;
using D = DType;

namespace {
const DType kAll[] = {D::Bool, D::UInt8, D::Int32, D::Int64, D::Float16, D::BFloat16, D::Float32, D::Float64};
}

TEST_SUITE("tensor.dtype_device") {

TEST_CASE("dtype names match PyTorch and round-trip through parsing") {
  const char* names[] = {"bool", "uint8", "int32", "int64", "float16", "bfloat16", "float32", "float64"};
  for (int i = 0; i < kNumDTypes; ++i) {
    CHECK(std::string(dtype_name(kAll[i])) == names[i]);
    CHECK(dtype_from_string(names[i]) == kAll[i]);
  }
  // PyTorch's aliases.
  CHECK(dtype_from_string("float") == D::Float32);
  CHECK(dtype_from_string("double") == D::Float64);
  CHECK(dtype_from_string("half") == D::Float16);
  CHECK(dtype_from_string("long") == D::Int64);
  CHECK(dtype_from_string("int") == D::Int32);
  CHECK(dtype_size(D::BFloat16) == 2);
  CHECK(dtype_size(D::Int64) == 8);
  CHECK(dtype_size(D::Bool) == 1);
}

TEST_CASE("bad dtype strings raise an error naming the string and the choices") {
  for (const char* bad : {"", "float128", "Float32", "int 64", "torch.float32x"}) {
    INFO("input: '" << std::string(bad) << "'");
    check_error([&] { dtype_from_string(bad); }, {"dtype_from_string", std::string("'") + bad + "'", "float32"},
                "dtype_from_string");
  }
}

TEST_CASE("Device parsing") {
  Device cpu("cpu");
  CHECK(cpu.is_cpu());
  CHECK(cpu.str() == "cpu");
  Device c0("cuda");
  CHECK(c0.is_cuda());
  CHECK(c0.index == 0);
  Device c1("cuda:1");
  CHECK(c1.is_cuda());
  CHECK(c1.index == 1);
  CHECK(c1.str() == "cuda:1");
  CHECK(Device("cuda:12").index == 12);
  CHECK(Device("cuda:1") == Device(DeviceType::CUDA, 1));
  CHECK(Device("cuda:1") != Device(DeviceType::CUDA, 0));
  CHECK(Device("cpu") == kCPU);
  for (const char* bad : {"", "gpu", "CPU", "cuda:", "cuda:-1", "cuda:x", "cuda1", "cuda:1:2", "cpu:0x", " cuda"}) {
    INFO("input: '" << std::string(bad) << "'");
    check_error([&] { Device d(bad); (void)d; }, {"Device", std::string("'") + bad + "'"}, "Device parse");
  }
}

TEST_CASE("promote_types matches torch.promote_types for every pair") {
  // Produced with PyTorch 2.x:
  //   for a in dts: print([torch.promote_types(a, b) for b in dts])
  // with dts = [bool, uint8, int32, int64, float16, bfloat16, float32, float64].
  const DType expected[8][8] = {
      {D::Bool, D::UInt8, D::Int32, D::Int64, D::Float16, D::BFloat16, D::Float32, D::Float64},  // Bool
      {D::UInt8, D::UInt8, D::Int32, D::Int64, D::Float16, D::BFloat16, D::Float32, D::Float64},  // UInt8
      {D::Int32, D::Int32, D::Int32, D::Int64, D::Float16, D::BFloat16, D::Float32, D::Float64},  // Int32
      {D::Int64, D::Int64, D::Int64, D::Int64, D::Float16, D::BFloat16, D::Float32, D::Float64},  // Int64
      {D::Float16, D::Float16, D::Float16, D::Float16, D::Float16, D::Float32, D::Float32, D::Float64},  // Float16
      {D::BFloat16, D::BFloat16, D::BFloat16, D::BFloat16, D::Float32, D::BFloat16, D::Float32, D::Float64},  // BFloat16
      {D::Float32, D::Float32, D::Float32, D::Float32, D::Float32, D::Float32, D::Float32, D::Float64},  // Float32
      {D::Float64, D::Float64, D::Float64, D::Float64, D::Float64, D::Float64, D::Float64, D::Float64},  // Float64
  };
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 8; ++j) {
      INFO("a: " << std::string(dtype_name(kAll[i])));
      INFO("b: " << std::string(dtype_name(kAll[j])));
      CHECK(dtype_name(promote_types(kAll[i], kAll[j])) == std::string(dtype_name(expected[i][j])));
    }
}

TEST_CASE("result_type with 0-d tensors and Python-like scalars follows PyTorch") {
  auto t1 = [](DType dt) { return ones({2}, {.dtype = dt}); };   // a dimensioned tensor
  auto t0 = [](DType dt) { return ones({}, {.dtype = dt}); };    // a 0-d tensor
  // Scalars: the tensor's dtype wins unless the scalar is of a higher category.
  CHECK(result_type(t1(D::Int32), Scalar(2.5)) == D::Float32);
  CHECK(result_type(t1(D::Int64), Scalar(2.5)) == D::Float32);
  CHECK(result_type(t1(D::UInt8), Scalar(1000)) == D::UInt8);
  CHECK(result_type(t1(D::Bool), Scalar(1)) == D::Int64);
  CHECK(result_type(t1(D::Int32), Scalar(true)) == D::Int32);
  CHECK(result_type(t1(D::BFloat16), Scalar(2.5)) == D::BFloat16);
  CHECK(result_type(t1(D::Float16), Scalar(int64_t(1) << 40)) == D::Float16);
  // 0-d tensors behave like scalars against dimensioned tensors...
  CHECK(result_type(t1(D::Int64), t0(D::Float64)) == D::Float64);
  CHECK(result_type(t1(D::Int32), t0(D::Float64)) == D::Float64);
  CHECK(result_type(t1(D::UInt8), t0(D::Float64)) == D::Float64);
  CHECK(result_type(t1(D::Float16), t0(D::Float64)) == D::Float16);
  CHECK(result_type(t1(D::Int32), t0(D::Int64)) == D::Int32);
  CHECK(result_type(t1(D::Bool), t0(D::UInt8)) == D::UInt8);
  // ...and promote normally among themselves.
  CHECK(result_type(t0(D::Int32), t0(D::Int64)) == D::Int64);
  CHECK(result_type(t0(D::Float16), t0(D::Float64)) == D::Float64);
  // The promoted dtype is what the ops actually produce, with the PyTorch values.
  Tensor u8 = tensor(std::vector<uint8_t>{1});
  Tensor wrapped = u8 + 1000;  // 1000 wraps to 232 in uint8, as in PyTorch: 1 + 232 = 233
  CHECK(wrapped.dtype() == D::UInt8);
  CHECK(wrapped.to_vector<uint8_t>()[0] == 233);
  Tensor b = tensor(std::vector<bool>{true, false}) + 1;
  CHECK(b.dtype() == D::Int64);
  CHECK(b.to_vector<int64_t>() == std::vector<int64_t>{2, 1});
  Tensor i = tensor(std::vector<int32_t>{1, 2}) + 2.5;
  CHECK(i.dtype() == D::Float32);
  CHECK(i.to_vector<float>() == std::vector<float>{3.5f, 4.5f});
  Tensor h = ones({2}, {.dtype = D::Float16}) + scalar_tensor(1.5, {.dtype = D::Float64});
  CHECK(h.dtype() == D::Float16);
  CHECK(float(h.to_vector<Float16>()[0]) == 2.5f);
}

TEST_CASE("float32 -> float16/bfloat16 rounding matches PyTorch bit for bit") {
  // Produced with PyTorch: for each float32 bit pattern f,
  //   torch.tensor([f]).to(torch.float16).view(torch.int16) and the same for bfloat16.
  // Covers ties to even, subnormals, underflow to zero, overflow to inf, inf and -0.
  struct Case {
    uint32_t f32;
    uint16_t f16, bf16;
    const char* what;
  };
  const Case cases[] = {
      {0x3f800000u, 0x3c00, 0x3f80, "1.0"},
      {0xc0200000u, 0xc100, 0xc020, "-2.5"},
      {0x3f808000u, 0x3c04, 0x3f80, "bf16 tie with even lower neighbour rounds down"},
      {0x3f818000u, 0x3c0c, 0x3f82, "bf16 tie with odd lower neighbour rounds up"},
      {0x3f808001u, 0x3c04, 0x3f81, "just above a bf16 tie"},
      {0x3f807fffu, 0x3c04, 0x3f80, "just below a bf16 tie"},
      {0x3f801000u, 0x3c00, 0x3f80, "f16 tie with even lower neighbour"},
      {0x3f803000u, 0x3c02, 0x3f80, "f16 tie with odd lower neighbour"},
      {0x477fe000u, 0x7bff, 0x4780, "65504 (f16 max)"},
      {0x477fefffu, 0x7bff, 0x4780, "just below 65520"},
      {0x477ff000u, 0x7c00, 0x4780, "65520 rounds to f16 inf"},
      {0x49742400u, 0x7c00, 0x4974, "1e6 overflows f16"},
      {0x33800000u, 0x0001, 0x3380, "2^-24, the smallest f16 subnormal"},
      {0x33000000u, 0x0000, 0x3300, "2^-25 ties to zero"},
      {0x33400000u, 0x0001, 0x3340, "1.5 * 2^-25 rounds up"},
      {0x33c00000u, 0x0002, 0x33c0, "3 * 2^-25 ties to even"},
      {0x38800000u, 0x0400, 0x3880, "2^-14, the smallest f16 normal"},
      {0x387fc000u, 0x03ff, 0x3880, "the largest f16 subnormal"},
      {0x2edbe6ffu, 0x0000, 0x2edc, "1e-10"},
      {0x80000000u, 0x8000, 0x8000, "-0"},
      {0x7f800000u, 0x7c00, 0x7f80, "inf"},
      {0xff800000u, 0xfc00, 0xff80, "-inf"},
      {0x7f7fc99eu, 0x7c00, 0x7f80, "3.4e38"},
      {0x7f7fffffu, 0x7c00, 0x7f80, "FLT_MAX rounds to bf16 inf"},
      {0x00000001u, 0x0000, 0x0000, "smallest float32 subnormal"},
      {0x000116c2u, 0x0000, 0x0001, "float32 subnormal 1e-40"},
      {0x3dcccccdu, 0x2e66, 0x3dcd, "0.1"},
      {0x3eaaaaabu, 0x3555, 0x3eab, "1/3"},
  };
  std::vector<float> inputs;
  for (const Case& c : cases) {
    INFO("case: " << std::string(c.what));
    float f = bits_float(c.f32);
    inputs.push_back(f);
    CHECK(float_to_half_bits(f) == c.f16);
    CHECK(float_to_bf16_bits(f) == c.bf16);
  }
  // The tensor conversion goes through the same rounding.
  Tensor src = tensor(inputs);
  std::vector<Float16> h = src.to(D::Float16).to_vector<Float16>();
  std::vector<BFloat16> bf = src.to(D::BFloat16).to_vector<BFloat16>();
  for (size_t i = 0; i < inputs.size(); ++i) {
    INFO("case: " << std::string(cases[i].what));
    CHECK(h[i].bits == cases[i].f16);
    CHECK(bf[i].bits == cases[i].bf16);
  }
}

TEST_CASE("NaN stays NaN through 16-bit conversions") {
  for (uint32_t nan_bits : {0x7fc00000u, 0xffc00000u, 0x7f800001u}) {
    float f = bits_float(nan_bits);
    uint16_t h = float_to_half_bits(f), b = float_to_bf16_bits(f);
    CHECK((h & 0x7c00) == 0x7c00);
    CHECK((h & 0x03ff) != 0);  // NaN, not inf
    CHECK((b & 0x7f80) == 0x7f80);
    CHECK((b & 0x007f) != 0);
    CHECK(std::isnan(half_bits_to_float(h)));
    CHECK(std::isnan(bf16_bits_to_float(b)));
  }
  // PyTorch keeps the sign of a float16 NaN: 0x7e00 and 0xfe00.
  CHECK(float_to_half_bits(bits_float(0x7fc00000u)) == 0x7e00);
  CHECK(float_to_half_bits(bits_float(0xffc00000u)) == 0xfe00);
}

TEST_CASE("float16 -> float32 is exact, subnormals included") {
  // Produced with PyTorch: torch.tensor([h], dtype=torch.int16).view(torch.float16).float().
  const std::pair<uint16_t, uint32_t> cases[] = {
      {0x0001, 0x33800000u}, {0x03ff, 0x387fc000u}, {0x0400, 0x38800000u}, {0x7bff, 0x477fe000u},
      {0x7c00, 0x7f800000u}, {0xfc00, 0xff800000u}, {0x8001, 0xb3800000u}, {0x3c00, 0x3f800000u},
      {0x8000, 0x80000000u},
  };
  for (auto [h, f] : cases) {
    CAPTURE(h);
    CHECK(float_bits(half_bits_to_float(h)) == f);
  }
  // bfloat16 -> float32 is a shift.
  CHECK(float_bits(bf16_bits_to_float(0x3f81)) == 0x3f810000u);
  CHECK(float_bits(bf16_bits_to_float(0x0001)) == 0x00010000u);
}

}  // TEST_SUITE
