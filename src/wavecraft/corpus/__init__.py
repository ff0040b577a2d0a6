"""Corpora: manifests of labelled audio files, and ensembles of slices drawn from them.

>>> from wavecraft.corpus import SliceSpec, open_corpus, ensemble
>>> corpus = open_corpus("synthetic:tones")
>>> ens = ensemble(corpus, 1000, SliceSpec(128, seed=0))
>>> ens.train.shape
(800, 128)
"""

from wavecraft.corpus.corpus import Corpus, CorpusInfo
from wavecraft.corpus.ensemble import Ensemble, ensemble
from wavecraft.corpus.manifest import Entry, Manifest
from wavecraft.corpus.slicing import SliceSpec
from wavecraft.corpus.sources import folder_corpus, list_corpora, open_corpus
from wavecraft.corpus.split import split_by_file, split_corpus
from wavecraft.corpus.stream import iter_batches
from wavecraft.corpus.synthetic import load_truth, synthetic_corpus
from wavecraft.corpus.url import url_corpus

__all__ = [
    "Corpus",
    "CorpusInfo",
    "Ensemble",
    "Entry",
    "Manifest",
    "SliceSpec",
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
