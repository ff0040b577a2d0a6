"""Corpora: manifests of labelled audio files, and ensembles of slices drawn from them.

>>> from wavecraft.corpus import open_corpus, ensemble
>>> corpus = open_corpus("synthetic:tones")
>>> ens = ensemble(corpus, n_slices=1000, slice_len=128, seed=0)
>>> ens.train.shape
(800, 128)
"""

from wavecraft.corpus.corpus import Corpus, CorpusInfo
from wavecraft.corpus.ensemble import Ensemble, ensemble, iter_batches, split_by_file, split_corpus
from wavecraft.corpus.manifest import Entry, Manifest
from wavecraft.corpus.sources import folder_corpus, list_corpora, open_corpus, url_corpus
from wavecraft.corpus.synthetic import load_truth, synthetic_corpus

__all__ = [
    "Corpus",
    "CorpusInfo",
    "Ensemble",
    "Entry",
    "Manifest",
    "ensemble",
    "folder_corpus",
    "iter_batches",
    "list_corpora",
    "load_truth",
    "open_corpus",
    "split_by_file",
    "split_corpus",
    "synthetic_corpus",
    "url_corpus",
]
