"""Classifier-based quality filtering: the one text normalization, fastText training with
held-out metrics, and the `quality_classifier` stage (scores kept apart from thresholds).

    from dataprep.quality import QualityClassifier, QualityConfig, TrainConfig, train
"""

from dataprep.quality.metrics import binary_metrics, roc_auc
from dataprep.quality.stage import (
    METADATA_KEY,
    QualityClassifier,
    QualityConfig,
    check_model,
    get_score,
    keep_verdict,
    model_path,
    pareto_keep_probability,
)
from dataprep.quality.text import normalize
from dataprep.quality.train import TrainConfig, train

__all__ = ["METADATA_KEY", "QualityClassifier", "QualityConfig", "TrainConfig", "binary_metrics", "check_model",
           "get_score", "keep_verdict", "model_path", "normalize", "pareto_keep_probability", "roc_auc", "train"]
