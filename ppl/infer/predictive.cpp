#include "ppl/infer/predictive.h"

#include "ppl/handlers/block.h"
#include "ppl/handlers/condition.h"
#include "ppl/handlers/trace.h"
#include "ppl/infer/vectorizing_plate.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <stdexcept>

namespace ppl::infer {
namespace {

bool is_auxiliary_site(const Site& site) {
  auto it = site.infer.find("is_auxiliary");
  if (it == site.infer.end()) return false;
  const bool* flag = std::get_if<bool>(&it->second);
  return flag && *flag;
}

/// A site returned by default and passed on from the guide to the model: a sample site that is
/// neither a plate's subsample site nor an auxiliary `factor`.
bool is_predictive_site(const Site& site) {
  return site.is_sample() && !is_auxiliary_site(site);
}

/// The sample count: `requested`, or the leading dim shared by all posterior samples.
int64_t sample_count(const SampleDict& posterior_samples, std::optional<int64_t> requested) {
  const std::string* first = nullptr;
  for (const auto& [name, value] : posterior_samples) {
    if (!value.defined() || value.dim() == 0) {
      throw std::invalid_argument(
          fmt::format("Predictive: posterior sample '{}' has no leading sample dim (it is {})",
                      name, value.defined() ? "0-dim" : "undefined"));
    }
    const int64_t count = value.size(0);
    if (requested && *requested != count) {
      throw std::invalid_argument(
          first ? fmt::format("Predictive: posterior samples '{}' and '{}' have different "
                              "leading (sample) dims, {} and {}",
                              *first, name, *requested, count)
                : fmt::format("Predictive: posterior sample '{}' has {} samples (its leading dim) "
                              "but num_samples is {}",
                              name, count, *requested));
    }
    requested = count;
    first = &name;
  }
  if (!requested) {
    throw std::invalid_argument(
        "Predictive: num_samples is not set and there are no posterior samples to take it from");
  }
  if (*requested < 1) {
    throw std::invalid_argument(
        fmt::format("Predictive: num_samples must be >= 1, got {}", *requested));
  }
  return *requested;
}

/// What to return: the requested sites (each must be a sample site of `trace`), or by default
/// every predictive site of `trace` not in `excluded`.
std::set<std::string> return_site_names(const Trace& trace,
                                        const std::vector<std::string>& requested,
                                        const SampleDict& excluded) {
  std::set<std::string> names;
  for (const std::string& name : requested) {
    const Site* site = trace.find(name);
    if (!site || !site->is_sample()) {
      throw std::out_of_range(
          fmt::format("Predictive: return site '{}' is not a sample site of the model", name));
    }
    names.insert(name);
  }
  if (requested.empty()) {
    for (const Site& site : trace.sites())
      if (is_predictive_site(site) && !excluded.count(site.name)) names.insert(site.name);
  }
  return names;
}

/// The site `name` of `trace`, the trace of run `run` (nullopt: of the vectorized run), which the
/// run that chose the return sites had.
const Site& site_in_run(const Trace& trace, const std::string& name, std::optional<int64_t> run) {
  const Site* site = trace.find(name);
  if (!site) {
    throw std::runtime_error(
        fmt::format("Predictive: site '{}' is missing from {}", name,
                    run ? fmt::format("run {} (it is in run 0)", *run)
                        : std::string("the vectorized run (it is in the plain run)")));
  }
  return *site;
}

/// The inputs of one `_predictive` call (Pyro's): a program, what it is conditioned on, and
/// which sites to return.
struct PredictiveCall {
  const char* role;  ///< "model" or "guide", for error messages
  const Program& program;
  const SampleDict& conditioned;
  int64_t num_samples;
  const std::vector<std::string>& return_sites;
  /// Default return sites leave out the conditioned ones (no guide).
  bool exclude_conditioned;
};

std::set<std::string> return_site_names(const Trace& trace, const PredictiveCall& call) {
  static const SampleDict kNone;
  return return_site_names(trace, call.return_sites,
                           call.exclude_conditioned ? call.conditioned : kNone);
}

/// Pyro's _predictive_sequential: one run per sample, conditioned on that sample's row.
SampleDict predict_sequentially(const PredictiveCall& call) {
  std::set<std::string> names;
  std::map<std::string, std::vector<torch::Tensor>> draws;
  for (int64_t i = 0; i < call.num_samples; ++i) {
    TensorDict row;
    for (const auto& [name, values] : call.conditioned) row.emplace(name, values[i]);
    Trace trace;
    {
      handlers::TraceMessenger tracer;
      handlers::ConditionMessenger condition(std::move(row));
      handlers::run_traced(tracer, call.role, call.program);
      trace = std::move(tracer.trace());
    }
    if (i == 0) names = return_site_names(trace, call);
    for (const std::string& name : names) {
      const Site& site = site_in_run(trace, name, i);
      auto& values = draws[name];
      if (!values.empty() && !values.front().sizes().equals(site.value.sizes())) {
        throw std::runtime_error(fmt::format(
            "Predictive: site '{}' has shape {} in run 0 but {} in run {}", name,
            dist::shape_str(values.front().sizes()), dist::shape_str(site.value.sizes()), i));
      }
      values.push_back(site.value);
    }
  }
  SampleDict samples;
  for (auto& [name, values] : draws) samples.emplace(name, torch::stack(values));
  return samples;
}

/// `samples` (num_samples, ...site's shape) reshaped to broadcast left of `nesting` plates:
/// (num_samples, 1, ..., 1, ...site's shape) with as many 1s as the site's batch dims fall short
/// of `nesting`. Pyro counts the event dims as batch dims here; `event_dims` (of the site in the
/// model, 0 if absent) keeps a vector-valued global latent's sample dim at the plate's dim.
torch::Tensor left_of_plates(const torch::Tensor& samples, int64_t nesting, int64_t event_dims) {
  const auto site_shape = samples.sizes().slice(1);
  const int64_t batch_dims = static_cast<int64_t>(site_shape.size()) - event_dims;
  std::vector<int64_t> shape{samples.size(0)};
  shape.insert(shape.end(), std::max<int64_t>(nesting - batch_dims, 0), 1);
  shape.insert(shape.end(), site_shape.begin(), site_shape.end());
  return samples.reshape(shape);
}

/// A site's value in the vectorized run as (num_samples, ...site's shape): reshaped when it has
/// a value per sample, else (a site that does not depend on the samples) expanded, as Pyro.
torch::Tensor per_sample(const Site& site, const std::vector<int64_t>& shape) {
  int64_t numel = 1;
  for (int64_t size : shape) numel *= size;
  try {
    return site.value.numel() < numel ? site.value.expand(shape) : site.value.reshape(shape);
  } catch (const std::exception&) {  // the shapes do not fit
    throw std::runtime_error(fmt::format(
        "Predictive: site '{}' has shape {} in the vectorized run, which does not give {}; does "
        "the model broadcast over the dims left of its plates?",
        site.name, dist::shape_str(site.value.sizes()), dist::shape_str(shape)));
  }
}

/// Pyro's _predictive with parallel=True: one run inside the plate kPredictivePlate, after an
/// unvectorized run (hidden from outer handlers) that gives the plate nesting, the return sites
/// and their shapes.
SampleDict predict_in_parallel(const PredictiveCall& call, int64_t max_plate_nesting) {
  Trace shapes;
  {
    handlers::BlockMessenger hide;
    handlers::TraceMessenger tracer;
    handlers::run_traced(tracer, call.role, call.program);
    shapes = std::move(tracer.trace());
  }
  const int64_t nesting = max_plate_nesting == kUnlimitedPlateNesting
                              ? guess_max_plate_nesting(shapes)
                              : max_plate_nesting;
  TensorDict conditioned;
  for (const auto& [name, samples] : call.conditioned) {
    const Site* site = shapes.find(name);
    const int64_t event_dims = site && site->is_sample() ? site->fn->event_dim() : 0;
    conditioned.emplace(name, left_of_plates(samples, nesting, event_dims));
  }
  Trace trace;
  {
    handlers::TraceMessenger tracer;
    handlers::ConditionMessenger condition(std::move(conditioned));
    VectorizingPlate samples(kPredictivePlate, call.num_samples, -(nesting + 1),
                             "Predictive(parallel=true)");
    handlers::run_traced(tracer, call.role, [&] { samples.run(call.program); });
    trace = std::move(tracer.trace());
  }
  SampleDict predictions;
  for (const std::string& name : return_site_names(shapes, call)) {
    std::vector<int64_t> shape{call.num_samples};
    const auto site_shape = shapes.at(name).value.sizes();
    shape.insert(shape.end(), site_shape.begin(), site_shape.end());
    predictions.emplace(name, per_sample(site_in_run(trace, name, std::nullopt), shape));
  }
  return predictions;
}

SampleDict predict(const PredictiveCall& call, const PredictiveOptions& options) {
  return options.parallel() ? predict_in_parallel(call, options.max_plate_nesting())
                            : predict_sequentially(call);
}

void check_max_plate_nesting(const PredictiveOptions& options) {
  if (options.max_plate_nesting() < 0) {
    throw std::invalid_argument(fmt::format("Predictive: max_plate_nesting must be >= 0, got {}",
                                            options.max_plate_nesting()));
  }
}

}  // namespace

SampleDict predictive(const Program& model, const Program& guide,
                      const PredictiveOptions& options) {
  if (!guide) return predictive(model, SampleDict(), options);
  const int64_t num_samples = sample_count({}, options.num_samples());
  check_max_plate_nesting(options);
  torch::NoGradGuard no_grad;
  // As Pyro: every site of the guide (run unconditioned) becomes a posterior sample, and by
  // default every site of the model is returned.
  const SampleDict guide_samples = predict({"guide", guide, {}, num_samples, {}, false}, options);
  return predict({"model", model, guide_samples, num_samples, options.return_sites(), false},
                 options);
}

SampleDict predictive(const Program& model, const SampleDict& posterior_samples,
                      const PredictiveOptions& options) {
  const int64_t num_samples = sample_count(posterior_samples, options.num_samples());
  check_max_plate_nesting(options);
  torch::NoGradGuard no_grad;
  return predict({"model", model, posterior_samples, num_samples, options.return_sites(), true},
                 options);
}

}  // namespace ppl::infer
