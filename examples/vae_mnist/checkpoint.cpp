#include "examples/vae_mnist/checkpoint.h"

#include <ppl/core/file_io.h>

#include <fmt/format.h>

#include <stdexcept>

namespace ppl::examples {
namespace {

constexpr const char* kFormat = "ppl.vae_mnist.checkpoint";
constexpr int64_t kVersion = 1;

torch::Tensor bytes_to_tensor(const std::vector<char>& bytes) {
  auto tensor = torch::empty({static_cast<int64_t>(bytes.size())}, torch::kUInt8);
  std::memcpy(tensor.data_ptr(), bytes.data(), bytes.size());
  return tensor;
}

std::vector<char> tensor_to_bytes(const torch::Tensor& tensor) {
  if (tensor.scalar_type() != torch::kUInt8 || tensor.dim() != 1)
    throw std::runtime_error("expected a byte tensor");
  auto contiguous = tensor.contiguous();
  const char* data = static_cast<const char*>(contiguous.data_ptr());
  return std::vector<char>(data, data + contiguous.numel());
}

}  // namespace

void save_checkpoint(const std::string& path, const Checkpoint& c) {
  auto state = c10::ivalue::Tuple::create(
      {std::string(kFormat), kVersion, c.epoch, c.z_dim, c.hidden_dim, bytes_to_tensor(c.params),
       bytes_to_tensor(c.optimizer), c.cpu_rng_state,
       c.cuda_rng_state.defined() ? c10::IValue(c.cuda_rng_state) : c10::IValue(), c.metrics_json});
  write_file_atomically(path, torch::pickle_save(state));
}

Checkpoint load_checkpoint(const std::string& path) {
  const auto bytes = read_file(path);
  try {
    const auto state = torch::pickle_load(bytes);
    if (!state.isTuple()) throw std::runtime_error("not a vae_mnist checkpoint");
    const std::vector<c10::IValue> f = state.toTupleRef().elements().vec();
    if (f.size() != 10 || !f[0].isString() || f[0].toStringRef() != kFormat)
      throw std::runtime_error("not a vae_mnist checkpoint");
    if (f[1].toInt() != kVersion)
      throw std::runtime_error(
          fmt::format("version {} but this program reads {}", f[1].toInt(), kVersion));
    Checkpoint c;
    c.epoch = f[2].toInt();
    c.z_dim = f[3].toInt();
    c.hidden_dim = f[4].toInt();
    c.params = tensor_to_bytes(f[5].toTensor());
    c.optimizer = tensor_to_bytes(f[6].toTensor());
    c.cpu_rng_state = f[7].toTensor();
    if (!f[8].isNone()) c.cuda_rng_state = f[8].toTensor();
    c.metrics_json = f[9].toStringRef();
    return c;
  } catch (const c10::Error& e) {
    throw std::runtime_error(
        fmt::format("cannot read checkpoint '{}': {}", path, e.what_without_backtrace()));
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("cannot read checkpoint '{}': {}", path, e.what()));
  }
}

}  // namespace ppl::examples
