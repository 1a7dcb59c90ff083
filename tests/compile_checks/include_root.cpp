// Compiled by the test "include_root_holds_ppl_only" alone, with ppl::ppl's include path: the
// library's include root holds ppl/ and nothing else of the repository, so this must not compile.
#include "examples/common/mnist.h"
