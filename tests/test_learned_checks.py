"""Every learned transform is a well-behaved scikit-learn estimator."""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from wavecraft.bases.pca import PCA


@parametrize_with_checks([PCA(), PCA(n_components=2, whiten=True), PCA(n_components=0.9)])
def test_sklearn_compatible(estimator, check) -> None:
    check(estimator)
