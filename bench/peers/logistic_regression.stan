// Bayesian logistic regression (same model as ppl's benchmark).
data {
  int<lower=0> N;
  int<lower=1> D;
  matrix[N, D] x;
  int<lower=0, upper=1> y[N];
}
parameters {
  real alpha;
  vector[D] beta;
}
model {
  alpha ~ normal(0, 1);
  beta ~ normal(0, 1);
  y ~ bernoulli_logit(alpha + x * beta);
}
