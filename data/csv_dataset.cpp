#include "data/csv_dataset.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string_view>

#include "data/file_reader.hpp"

namespace accmt::data {
namespace {

std::vector<std::string_view> split(std::string_view line, char delimiter) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (;;) {
    size_t end = line.find(delimiter, start);
    fields.push_back(line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return fields;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

double parse_number(std::string_view field, const std::string& path, int64_t line, size_t column) {
  std::string text(trim(field));
  char* end = nullptr;
  errno = 0;
  double value = text.empty() ? 0.0 : std::strtod(text.c_str(), &end);
  ACCMT_CHECK(!text.empty() && end == text.c_str() + text.size(), "CsvDataset: ", path, ":", line, ", column ",
              column + 1, ": '", text, "' is not a number");
  return value;
}

}  // namespace

CsvDataset::CsvDataset(const std::string& path, CsvOptions options) {
  const std::string bytes = read_file_bytes(path, "CsvDataset");
  std::string_view rest(bytes);
  int64_t line_no = 0, width_line = 0;
  size_t width = 0;
  std::vector<double> values;
  int64_t rows = 0;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    ++line_no;
    if (trim(line).empty()) continue;  // blank lines (a trailing newline) carry no row
    auto fields = split(line, options.delimiter);
    if (width == 0) {
      width = fields.size();
      width_line = line_no;
    } else {
      ACCMT_CHECK(fields.size() == width, "CsvDataset: ", path, ":", line_no, " has ", fields.size(),
                  " fields, expected ", width, " (the width of line ", width_line, ")");
    }
    if (options.header && names_.empty()) {
      for (auto f : fields) names_.emplace_back(trim(f));
      continue;
    }
    for (size_t c = 0; c < fields.size(); ++c) values.push_back(parse_number(fields[c], path, line_no, c));
    ++rows;
  }
  ACCMT_CHECK(rows > 0, "CsvDataset: ", path, " has no data rows");

  // Which column is the label.
  std::optional<size_t> label;
  if (!options.label_name.empty()) {
    ACCMT_CHECK(options.header, "CsvDataset: label_name '", options.label_name, "' needs header = true");
    for (size_t c = 0; c < names_.size(); ++c)
      if (names_[c] == options.label_name) label = c;
    ACCMT_CHECK(label.has_value(), "CsvDataset: ", path, " has no column named '", options.label_name, "'");
  } else if (options.label_column) {
    int64_t c = *options.label_column < 0 ? *options.label_column + int64_t(width) : *options.label_column;
    ACCMT_CHECK(c >= 0 && c < int64_t(width), "CsvDataset: label_column ", *options.label_column,
                " is out of range for ", width, " columns");
    label = static_cast<size_t>(c);
  }

  const int64_t num_features = int64_t(width) - (label ? 1 : 0);
  ACCMT_CHECK(num_features > 0, "CsvDataset: ", path, " has no feature columns besides the label");
  std::vector<double> features;
  features.reserve(static_cast<size_t>(rows * num_features));
  std::vector<double> labels;
  for (int64_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < width; ++c) {
      double v = values[static_cast<size_t>(r) * width + c];
      if (label && c == *label) {
        ACCMT_CHECK(is_floating(options.label_dtype) || std::floor(v) == v, "CsvDataset: ", path, ": label ", v,
                    " in data row ", r + 1, " is not an integer (label_dtype is ", dtype_name(options.label_dtype),
                    ")");
        labels.push_back(v);
      } else {
        features.push_back(v);
      }
    }
  }
  features_ = tensor(features, Shape{rows, num_features}).to(options.feature_dtype);
  if (label) labels_ = tensor(labels, Shape{rows}).to(options.label_dtype);
}

Example CsvDataset::get(int64_t index) const {
  check_index("CsvDataset", index, size());
  Example ex{{"features", features_.select(0, index)}};
  if (labels_.defined()) ex.set("label", labels_.select(0, index));
  return ex;
}

}  // namespace accmt::data
