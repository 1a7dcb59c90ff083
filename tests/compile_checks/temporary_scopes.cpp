// Compiled by the test "temporary_scopes_warn" alone: each statement makes a scope as a
// temporary, which ends at once and so does nothing; the compiler must flag every one.
#include <ppl/ppl.h>

void temporaries(ppl::ParamStore& store) {
  ppl::plate("data", 10);
  ppl::plate("data", 10, -2);
  ppl::handlers::ScaleMessenger(0.5);
  ppl::handlers::TraceMessenger();
  ppl::handlers::BlockMessenger();
  ppl::GeneratorScope(at::detail::createCPUGenerator(0));
  ppl::ParamStoreScope{store};
}
