"""Every learned transform is a well-behaved scikit-learn estimator."""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from wavecraft.bases.ica import ICA
from wavecraft.bases.pca import PCA
from wavecraft.bases.rbm import RBM
from wavecraft.bases.sparse import SparseCoding

ESTIMATORS = [
    PCA(),
    PCA(n_components=2, whiten=True),
    PCA(n_components=0.9),
    ICA(max_iter=50),
    ICA(n_components=2, solver="infomax", max_iter=20),
    ICA(solver="orthonormal-l1", max_iter=20),
    SparseCoding(max_iter=2, random_state=0),
    SparseCoding(n_components=8, alpha=0.01, max_iter=2, random_state=0),
    RBM(max_iter=3, random_state=0),
    RBM(n_components=3, max_iter=2, batch_size=7, random_state=0),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check) -> None:
    check(estimator)
