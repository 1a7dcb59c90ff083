// Compiled by the test "auto_guide_list_static_asserts" alone: each function must fail with the
// static_assert that says what to write instead, not with a wall of template errors.
#include <ppl/ppl.h>

// The list reads the model's parameter types from its call operator; a generic lambda has none.
void generic_model() {
  auto model = [](auto x) { ppl::sample("z", ppl::dist::Normal(x, 1.0)); };
  ppl::infer::AutoGuideList guide(model);
}

// A hand-written part must take the model's arguments.
void part_with_other_arguments() {
  auto model = [](const torch::Tensor& x) { ppl::sample("z", ppl::dist::Normal(x, 1.0)); };
  ppl::infer::AutoGuideList guide(model);
  guide.append([](const torch::Tensor& x, const torch::Tensor& y) { (void)x, (void)y; });
}
