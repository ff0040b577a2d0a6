"""Listening machines: recognisers scored on what they never trained on, each beside an engineered baseline.

``wavecraft listen RUN --out DIR`` scores a trained run of a recogniser kind
(:data:`wavecraft.listen.systems.SYSTEMS`) and writes ``summary.json``,
PNG figures and an ``index.html`` page (:mod:`wavecraft.listen.page`).
"""
