#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <torch/torch.h>

namespace {

/// LibTorch seeds its default generator at random in every process. Reseeding it before each
/// test case makes a case that draws without seeding its own generator draw the same numbers in
/// every run, whichever cases ran before it: a failure reproduces, and a pass is not luck.
struct SeedEachTestCase : doctest::IReporter {
  explicit SeedEachTestCase(const doctest::ContextOptions&) {}
  void test_case_start(const doctest::TestCaseData&) override { torch::manual_seed(0); }
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override { torch::manual_seed(0); }
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

}  // namespace

DOCTEST_REGISTER_LISTENER("seed_each_test_case", 1, SeedEachTestCase);

int main(int argc, char** argv) {
  torch::set_num_threads(1);  // small tensors: one intra-op thread is fastest and deterministic
  doctest::Context context(argc, argv);
  return context.run();
}
