#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <torch/torch.h>

int main(int argc, char** argv) {
  torch::set_num_threads(1);  // small tensors: one intra-op thread is fastest and deterministic
  doctest::Context context(argc, argv);
  return context.run();
}
