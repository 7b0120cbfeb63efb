// MATMUL: out = alpha * A' x B' + beta * C over broadcast batch dimensions
// (NumPy matmul), with Gemm's transposes and bias, and a fused activation.
#include <algorithm>

#include <fmt/format.h>

#include "core/error.h"
#include "runtime/kernels/kernel.h"

namespace edgeml::runtime {

namespace {

// One operand seen as a batch of matrices: where each matrix starts and how
// to step along its rows and columns (0 where a dimension is broadcast).
struct MatrixLayout {
  std::size_t rows = 0, cols = 0, row_stride = 0, col_stride = 0;
};

struct MatMulPlan {
  MatrixLayout a, b, c;
  std::vector<std::size_t> a_offsets, b_offsets;  // per output matrix
};

class MatMul : public Kernel {
 public:
  MatMul(const float* a, const float* b, const float* c, float* out, MatMulPlan plan, const Op& op)
      : a_(a),
        b_(b),
        c_(c),
        out_(out),
        plan_(std::move(plan)),
        alpha_(op.alpha),
        beta_(op.beta),
        activation_(op.activation) {}

  void run() override {
    const MatrixLayout& a = plan_.a;
    const MatrixLayout& b = plan_.b;
    const MatrixLayout& c = plan_.c;
    float* o = out_;
    for (std::size_t m = 0; m < plan_.a_offsets.size(); ++m) {
      const float* am = a_ + plan_.a_offsets[m];
      const float* bm = b_ + plan_.b_offsets[m];
      for (std::size_t i = 0; i < a.rows; ++i)
        for (std::size_t j = 0; j < b.cols; ++j) {
          float sum = 0;
          for (std::size_t k = 0; k < a.cols; ++k)
            sum += am[i * a.row_stride + k * a.col_stride] * bm[k * b.row_stride + j * b.col_stride];
          *o++ = alpha_ * sum + (c_ ? beta_ * c_[i * c.row_stride + j * c.col_stride] : 0.0f);
        }
    }
    apply_activation(activation_, out_, static_cast<std::size_t>(o - out_));
  }

 private:
  const float* a_;
  const float* b_;
  const float* c_;
  float* out_;
  MatMulPlan plan_;
  float alpha_, beta_;
  Activation activation_;
};

// The last two dimensions of `shape` as a matrix (a vector is one row when it
// is A, one column when it is B), transposed when asked.
MatrixLayout matrix_of(const std::vector<std::int32_t>& shape, bool is_a, bool transpose) {
  std::size_t r = shape.size();
  MatrixLayout m;
  if (r == 1) {
    auto n = static_cast<std::size_t>(shape[0]);
    m = is_a ? MatrixLayout{1, n, n, 1} : MatrixLayout{n, 1, 1, 1};
  } else {
    auto rows = static_cast<std::size_t>(shape[r - 2]), cols = static_cast<std::size_t>(shape[r - 1]);
    m = {rows, cols, cols, 1};
  }
  if (transpose) m = {m.cols, m.rows, m.col_stride, m.row_stride};
  return m;
}

std::vector<std::size_t> batch_dims(const std::vector<std::int32_t>& shape) {
  std::vector<std::size_t> dims;
  for (std::size_t i = 0; i + 2 < shape.size(); ++i) dims.push_back(static_cast<std::size_t>(shape[i]));
  return dims;
}

// Offsets of every matrix of A and B, walking the broadcast batch dimensions.
void plan_batches(const Tensor& ta, const Tensor& tb, MatMulPlan& plan, const std::string& name) {
  std::vector<std::size_t> da = batch_dims(ta.shape), db = batch_dims(tb.shape);
  std::size_t rank = std::max(da.size(), db.size());
  da.insert(da.begin(), rank - da.size(), 1);
  db.insert(db.begin(), rank - db.size(), 1);
  std::vector<std::size_t> dims(rank), sa(rank), sb(rank);
  std::size_t stride_a = plan.a.rows * plan.a.cols, stride_b = plan.b.rows * plan.b.cols;
  for (std::size_t i = rank; i-- > 0;) {
    if (da[i] != db[i] && da[i] != 1 && db[i] != 1)
      throw Error(fmt::format("{}: batch dimensions of '{}' and '{}' do not broadcast", name, ta.name, tb.name));
    dims[i] = std::max(da[i], db[i]);
    sa[i] = da[i] == 1 ? 0 : stride_a;
    sb[i] = db[i] == 1 ? 0 : stride_b;
    stride_a *= da[i];
    stride_b *= db[i];
  }
  // A batch dimension of 0 means no batches (and the walk below would never wrap).
  if (std::find(dims.begin(), dims.end(), std::size_t{0}) != dims.end()) return;
  std::vector<std::size_t> index(rank, 0);
  while (true) {
    std::size_t oa = 0, ob = 0;
    for (std::size_t i = 0; i < rank; ++i) {
      oa += index[i] * sa[i];
      ob += index[i] * sb[i];
    }
    plan.a_offsets.push_back(oa);
    plan.b_offsets.push_back(ob);
    std::size_t i = rank;
    while (i > 0 && ++index[i - 1] == dims[i - 1]) index[--i] = 0;
    if (i == 0) break;
  }
}

// C broadcast to the [rows, cols] of one output matrix.
MatrixLayout bias_layout(const Tensor& c, std::size_t rows, std::size_t cols, const std::string& name) {
  if (c.shape.size() > 2) throw Error(fmt::format("{}: bias '{}' has more than 2 dimensions", name, c.name));
  std::size_t r = c.shape.size() == 2 ? static_cast<std::size_t>(c.shape[0]) : 1;
  std::size_t k = c.shape.empty() ? 1 : static_cast<std::size_t>(c.shape.back());
  if ((r != rows && r != 1) || (k != cols && k != 1))
    throw Error(fmt::format("{}: bias '{}' does not broadcast to [{}, {}]", name, c.name, rows, cols));
  return {r, k, r == 1 ? 0 : k, k == 1 ? std::size_t{0} : std::size_t{1}};
}

}  // namespace

std::unique_ptr<Kernel> make_matmul_kernel(const Op& op, const Graph& g, const TensorBuffers& buffers,
                                           const KernelOptions&) {
  std::string name = op_name(op.kind);
  if (op.inputs.size() < 2 || op.inputs.size() > 3 || op.outputs.size() != 1)
    throw Error(name + ": expects A, B, an optional C and 1 output");
  const Tensor& ta = g.tensors[static_cast<std::size_t>(op.inputs[0])];
  const Tensor& tb = g.tensors[static_cast<std::size_t>(op.inputs[1])];
  const Tensor& out = g.tensors[static_cast<std::size_t>(op.outputs[0])];
  if (ta.shape.empty() || tb.shape.empty()) throw Error(name + ": an operand is a scalar");
  MatMulPlan plan;
  plan.a = matrix_of(ta.shape, true, op.transpose_a);
  plan.b = matrix_of(tb.shape, false, op.transpose_b);
  if (plan.a.cols != plan.b.rows)
    throw Error(
        fmt::format("{}: '{}' has {} columns but '{}' {} rows", name, ta.name, plan.a.cols, tb.name, plan.b.rows));
  plan_batches(ta, tb, plan, name);
  if (out.element_count() != plan.a_offsets.size() * plan.a.rows * plan.b.cols)
    throw Error(fmt::format("{}: output '{}' has {} elements, not {}", name, out.name, out.element_count(),
                            plan.a_offsets.size() * plan.a.rows * plan.b.cols));
  const float* c = nullptr;
  if (op.inputs.size() == 3 && op.inputs[2] >= 0) {
    plan.c = bias_layout(g.tensors[static_cast<std::size_t>(op.inputs[2])], plan.a.rows, plan.b.cols, name);
    c = float_buffer(op, g, buffers, op.inputs[2]);
  }
  return std::make_unique<MatMul>(float_buffer(op, g, buffers, op.inputs[0]),
                                  float_buffer(op, g, buffers, op.inputs[1]), c,
                                  float_buffer(op, g, buffers, op.outputs[0]), std::move(plan), op);
}

}  // namespace edgeml::runtime
