#pragma once
// CsvDataset: a numeric CSV file (plain or gzip) loaded into memory. Example i is
// {"features": float32 [F]} plus {"label": label_dtype []} when a label column is chosen.
#include <optional>
#include <string>
#include <vector>

#include "data/dataset.hpp"

namespace accmt::data {

struct CsvOptions {
  char delimiter = ',';
  bool header = false;                    // the first line names the columns
  std::optional<int64_t> label_column{};    // index; negative counts from the end (-1: last)
  std::string label_name{};                 // or the header name of the label column
  DType label_dtype = DType::Int64;       // an integer dtype requires integral labels
  DType feature_dtype = DType::Float32;
};

class CsvDataset : public Dataset {
 public:
  explicit CsvDataset(const std::string& path, CsvOptions options = {});
  int64_t size() const override { return features_.size(0); }
  Example get(int64_t index) const override;

  const Tensor& features() const { return features_; }  // [N, F]
  const Tensor& labels() const { return labels_; }      // [N], undefined without a label column
  const std::vector<std::string>& column_names() const { return names_; }

 private:
  Tensor features_, labels_;
  std::vector<std::string> names_;
};

}  // namespace accmt::data
