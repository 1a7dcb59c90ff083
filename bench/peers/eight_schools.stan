// Eight schools, non-centred parameterisation (same model as ppl's benchmark).
data {
  int<lower=0> J;
  vector[J] y;
  vector<lower=0>[J] sigma;
}
parameters {
  real mu;
  real<lower=0> tau;
  vector[J] theta_tilde;
}
transformed parameters {
  vector[J] theta = mu + tau * theta_tilde;
}
model {
  mu ~ normal(0, 5);
  tau ~ cauchy(0, 5);          // half-Cauchy through the lower bound on tau
  theta_tilde ~ normal(0, 1);
  y ~ normal(theta, sigma);
}
