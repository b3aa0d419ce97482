"""The token-budgeted mixture of sources (issue 9): its config, the planner, the deterministic
sampler and the report. Plain Python; `pipelines/mixture.py` runs the sampler in Beam and
`dataprep plan` prints a plan.

    config  = MixtureConfig(total_tokens=1.4e12, sources={"web": SourceMix(weight=0.67), ...})
    plan    = plan_mixture(config, {"web": 3.3e12, ...})     # per source target tokens, epochs
    copies(doc.id, plan.seed, plan.sources["web"].epochs)    # how often a document is repeated
    mixture_report(plan, realised)                           # mixture.json, and format_report()
"""

from dataprep.mixture.config import (FINEWEB2_REHYDRATION, MixtureConfig, SourceMix, parse_count)
from dataprep.mixture.plan import (LLAMA1_MIXTURE, LLAMA1_MODELS, CHINCHILLA_TOKENS_PER_PARAM, MixturePlan,
                                   SourcePlan, llama1_config, plan_mixture, token_budget)
from dataprep.mixture.report import format_report, mixture_report
from dataprep.mixture.sample import copies, document_tokens, rehydration_weight

__all__ = [
    "CHINCHILLA_TOKENS_PER_PARAM", "FINEWEB2_REHYDRATION", "LLAMA1_MIXTURE", "LLAMA1_MODELS", "MixtureConfig",
    "MixturePlan", "SourceMix", "SourcePlan", "copies", "document_tokens", "format_report", "llama1_config",
    "mixture_report", "parse_count", "plan_mixture", "rehydration_weight", "token_budget",
]
