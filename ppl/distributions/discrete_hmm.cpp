#include "ppl/distributions/discrete_hmm.h"

#include "ppl/distributions/finfo.h"

#include <fmt/format.h>

#include <stdexcept>

namespace ppl::dist {

namespace {

/// exp(x - row maxima of x) and exp(y - column maxima of y), their product, and the shift that
/// the log of the product takes back: exp neither overflows nor underflows a whole row or column.
/// The shifts carry no gradient (the result does not depend on them).
struct ShiftedProduct {
  torch::Tensor x_exp, y_exp, product, shift;

  ShiftedProduct(torch::Tensor x, torch::Tensor y) {
    x = x.contiguous(), y = y.contiguous();  // the pairs' interleaved halves: much faster dense
    const double lowest = finfo(x.scalar_type()).min;  // a row of -inf shifts by a finite amount
    const auto x_shift = x.detach().amax(-1, /*keepdim=*/true).clamp_min_(lowest);
    const auto y_shift = y.detach().amax(-2, /*keepdim=*/true).clamp_min_(lowest);
    x_exp = (x - x_shift).exp_();
    y_exp = (y - y_shift).exp_();
    product = torch::matmul(x_exp, y_exp);
    shift = x_shift + y_shift;
  }
};

/// log(exp(x) @ exp(y)) for batches of K x K matrices, as one autograd node whose backward is
/// the closed form d/dx_ik = Σ_j g_ij exp(x_ik + y_kj - z_ij) (and likewise for y), itself
/// differentiable when the backward builds a graph. Where a product is 0 its log is -inf and
/// nothing flows back through it (Pyro's safe_log).
struct LogMatMulExp : torch::autograd::Function<LogMatMulExp> {
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& x,
                               const torch::Tensor& y) {
    ShiftedProduct shifted(x, y);
    context->save_for_backward({x, y, shifted.x_exp, shifted.y_exp, shifted.product});
    return shifted.product.log().add_(shifted.shift);
  }
  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* context,
                                               torch::autograd::tensor_list grads) {
    const auto saved = context->get_saved_variables();
    torch::Tensor x_exp = saved[2], y_exp = saved[3], product = saved[4];
    if (torch::GradMode::is_enabled()) {  // a graph of the gradient: recomputed from x and y
      ShiftedProduct shifted(saved[0], saved[1]);
      x_exp = shifted.x_exp, y_exp = shifted.y_exp, product = shifted.product;
    }
    const auto weights = grads[0] / product.clamp_min(finfo(product.scalar_type()).tiny);
    return {x_exp * torch::matmul(weights, y_exp.transpose(-1, -2)),
            y_exp * torch::matmul(x_exp.transpose(-1, -2), weights)};
  }
};

/// logits[..., 0, :, :] @ logits[..., 1, :, :] @ ... @ logits[..., T-1, :, :] in log space, the
/// time dim being -3: each of the log2(T) levels multiplies the matrices pairwise in one batched
/// log-matmul-exp, halving the time dim (an odd last matrix waits for the next level).
torch::Tensor sequential_log_matmul_exp(torch::Tensor logits) {
  while (logits.size(-3) > 1) {
    const int64_t time = logits.size(-3);
    const int64_t even = time / 2 * 2;
    const auto pairs = (time == even ? logits : logits.narrow(-3, 0, even))
                           .unflatten(-3, {even / 2, 2})
                           .unbind(-3);
    auto product = LogMatMulExp::apply(pairs[0], pairs[1]);
    if (time > even) product = torch::cat({product, logits.narrow(-3, even, 1)}, -3);
    logits = product;
  }
  return logits.squeeze(-3);
}

Shape with_back(Shape shape, std::initializer_list<int64_t> back) {
  shape.insert(shape.end(), back);
  return shape;
}

}  // namespace

DiscreteHMM::DiscreteHMM(torch::Tensor initial_logits, torch::Tensor transition_logits,
                         DistributionPtr observation_dist, std::optional<int64_t> duration,
                         std::optional<bool> validate_args)
    : DistributionBase(validate_args), observation_dist_(std::move(observation_dist)) {
  if (!observation_dist_) throw std::invalid_argument("DiscreteHMM: observation_dist is null");
  if (initial_logits.dim() < 1) {
    throw std::invalid_argument(
        "DiscreteHMM: argument 'initial_logits' must have shape batch_shape + (K,), found shape "
        "()");
  }
  const int64_t states = initial_logits.size(-1);
  if (transition_logits.dim() < 2 || transition_logits.size(-1) != states ||
      transition_logits.size(-2) != states) {
    throw std::invalid_argument(fmt::format(
        "DiscreteHMM: argument 'transition_logits' must have shape batch_shape + (T, K, K) with "
        "K = {} (the last dim of initial_logits), found shape {}",
        states, shape_str(transition_logits.sizes())));
  }
  const Shape& observation_batch = observation_dist_->batch_shape();
  if (observation_batch.empty() ||
      (observation_batch.back() != states && observation_batch.back() != 1)) {
    throw std::invalid_argument(fmt::format(
        "DiscreteHMM: argument 'observation_dist' ({}) must have batch_shape batch_shape + (T, "
        "K) with K = {} (the last dim of initial_logits), found batch_shape {}",
        observation_dist_->name(), states, shape_str(observation_batch)));
  }
  // batch_shape + (T,), T being 1 when no argument has a time dim.
  const Shape initial_with_time = with_back(drop_rightmost(initial_logits.sizes(), 1), {1});
  const Shape transition_with_time = drop_rightmost(transition_logits.sizes(), 2);
  const Shape observation_with_time = drop_rightmost(observation_batch, 1);
  Shape shape;
  try {
    shape = broadcast_shapes(broadcast_shapes(initial_with_time, transition_with_time, ""),
                             observation_with_time, "");
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument(fmt::format(
        "DiscreteHMM: the arguments' batch_shape + (T,) must broadcast: initial_logits gives {}, "
        "transition_logits {}, observation_dist {}",
        shape_str(initial_with_time), shape_str(transition_with_time),
        shape_str(observation_with_time)));
  }
  const int64_t time = shape.back();
  if (duration && (*duration < 1 || (time != 1 && *duration != time))) {
    throw std::invalid_argument(fmt::format(
        "DiscreteHMM: duration must be positive and agree with the arguments' T = {}, found {}",
        time, *duration));
  }
  duration_ = duration ? duration : time != 1 ? std::optional<int64_t>(time) : std::nullopt;
  Shape event = observation_dist_->event_shape();
  event.insert(event.begin(), duration_.value_or(1));
  initial_logits_ = initial_logits - initial_logits.logsumexp(-1, /*keepdim=*/true);
  transition_logits_ = transition_logits - transition_logits.logsumexp(-1, /*keepdim=*/true);
  init(drop_rightmost(shape, 1), event);
}

DiscreteHMM::DiscreteHMM(torch::Tensor initial_logits, torch::Tensor transition_logits,
                         const Distribution& observation_dist, std::optional<int64_t> duration,
                         std::optional<bool> validate_args)
    : DiscreteHMM(std::move(initial_logits), std::move(transition_logits), observation_dist.clone(),
                  duration, validate_args) {}

void DiscreteHMM::check_value(const torch::Tensor& value) const {
  const Shape& observation_event = observation_dist_->event_shape();
  const auto sizes = value.sizes();
  const bool fits = value.dim() >= event_dim() &&
                    sizes.slice(sizes.size() - observation_event.size())
                        .equals(c10::IntArrayRef(observation_event)) &&
                    (!duration_ || sizes[sizes.size() - event_dim()] == *duration_);
  if (!fits) {
    throw std::invalid_argument(
        fmt::format("DiscreteHMM: value of shape {} does not end in event_shape {}{}",
                    shape_str(sizes), shape_str(event_shape_),
                    duration_ ? "" : " (any length in place of the 1: T is not fixed)"));
  }
  if (!validating()) return;
  // The support and batch checks, with the time dim of this value when T is not fixed.
  DiscreteHMM sized(*this);
  sized.event_shape_[0] = sizes[sizes.size() - event_dim()];
  sized.validate_sample(value);
}

torch::Tensor DiscreteHMM::chain_logits(const torch::Tensor& value) const {
  // log p(y_t | z_t = k): batch + (T, K).
  const auto observation_logits =
      observation_dist_->log_prob(value.unsqueeze(-1 - observation_dist_->event_dim()));
  // log p(z_t = j, y_t | z_{t-1} = i): batch + (T, K, K).
  const auto step_logits = transition_logits_ + observation_logits.unsqueeze(-2);
  return sequential_log_matmul_exp(step_logits);
}

torch::Tensor DiscreteHMM::log_prob(const torch::Tensor& value) const {
  check_value(value);
  return (initial_logits_ + chain_logits(value).logsumexp(-1)).logsumexp(-1);
}

Categorical DiscreteHMM::filter(const torch::Tensor& value) const {
  check_value(value);
  return Categorical::from_logits(
      (initial_logits_.unsqueeze(-1) + chain_logits(value)).logsumexp(-2), validate_args_);
}

torch::Tensor DiscreteHMM::sample(const Shape& sample_shape,
                                  c10::optional<at::Generator> generator) const {
  if (!duration_) {
    throw std::logic_error(
        "DiscreteHMM: sample needs the number of time steps of a homogeneous chain (pass "
        "duration)");
  }
  torch::NoGradGuard no_grad;
  const int64_t steps = *duration_;
  const int64_t states = initial_logits_.size(-1);
  Shape batch = sample_shape;
  batch.insert(batch.end(), batch_shape_.begin(), batch_shape_.end());
  const auto start = Categorical::from_logits(initial_logits_.expand(with_back(batch, {states})),
                                              /*validate_args=*/false)
                         .sample({}, generator);
  // First the moves, paths[..., t, i] being z_t drawn for z_{t-1} = i; then a parallel prefix
  // scan composes them: paths[..., t, i] becomes z_t for z_{-1} = i.
  auto paths =
      Categorical::from_logits(transition_logits_.expand(with_back(batch, {steps, states, states})),
                               /*validate_args=*/false)
          .sample({}, generator);
  for (int64_t span = 1; span < steps; span *= 2) {
    const auto later = paths.narrow(-2, span, steps - span);
    paths = torch::cat(
        {paths.narrow(-2, 0, span), later.gather(-1, paths.narrow(-2, 0, steps - span))}, -2);
  }
  const auto hidden =
      paths.gather(-1, start.unsqueeze(-1).unsqueeze(-1).expand(with_back(batch, {steps, 1})));
  // Every state's observation at every step, then those of the hidden path.
  const int64_t state_dim = -1 - observation_dist_->event_dim();
  const auto observations = observation_dist_->expand_ptr(with_back(batch_shape_, {steps, states}))
                                ->sample(sample_shape, generator);
  Shape index_shape = hidden.sizes().vec();
  index_shape.insert(index_shape.end(), observation_dist_->event_dim(), 1);
  Shape gathered_shape = observations.sizes().vec();
  gathered_shape[gathered_shape.size() + state_dim] = 1;
  return observations.gather(state_dim, hidden.reshape(index_shape).expand(gathered_shape))
      .squeeze(state_dim);
}

constraints::ConstraintPtr DiscreteHMM::support() const {
  return constraints::independent(observation_dist_->support(), 1);
}

DistributionPtr DiscreteHMM::expand_ptr(const Shape& batch_shape) const {
  check_expand(batch_shape);
  auto expanded = std::make_shared<DiscreteHMM>(*this);
  expanded->initial_logits_ =
      initial_logits_.expand(with_back(batch_shape, {initial_logits_.size(-1)}));
  expanded->batch_shape_ = batch_shape;
  return expanded;
}

}  // namespace ppl::dist
