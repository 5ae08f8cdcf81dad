"""funcad.scipy.special: logsumexp, softmax and friends, differentiable."""

from funcad.scipy._special import expit, log_softmax, logit, logsumexp, softmax, xlogy

__all__ = ["logsumexp", "softmax", "log_softmax", "expit", "logit", "xlogy"]
