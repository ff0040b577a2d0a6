"""Text-to-speech judged by a recogniser that never trained on it: phoneme error rate, STOI, PESQ and diversity on held-out texts.

    .venv/bin/python bench/tts.py JUDGE_RUN TTS_RUN [TTS_RUN ...] [--paired RUN] [--wavenet RUN] [--texts 53] [--draws 5] [--out bench-tts]

JUDGE_RUN is a ``wavecraft train recogniser voices`` run (other voices than
the TTS's); each TTS_RUN a ``wavecraft train tts phonemes`` run of any model
(``pix2pix-frames``, ``cgan``, ``cgan-projection``). The texts are the first
run's held-out ones (every run's split is checked to hold out the same texts,
and the judge's to hold them out too). Each is said by:

- ``espeak-ng``: the rendering the TTS learned from (the reference);
- ``its envelope, Griffin-Lim``: the reference's own dB mel envelope inverted
  by Griffin-Lim (the ceiling of any model whose frames are inverted so);
- each TTS run, through Griffin-Lim (what ``wavecraft speak`` writes): a frame
  model from espeak-ng's timed phonemes, a speech GAN from the phonemes alone and
  one z per text (seeded);
- ``pix2pix-frames, WaveNet`` with ``--wavenet``: the first run's envelopes drawn by a mel WaveNet;
- ``pix2pix waveform`` with ``--paired``: the 1-D pix2pix U-Net on the phoneme signal
  (``wavecraft train translate phonemes --task paired``).

Printed: the judge's phoneme error rate (greedy and beam 8) against
espeak-ng's phonemes, STOI against the reference (over all the texts one
after the other: many are shorter than STOI's 0.4 s; a GAN's speech has its
own timing, so STOI and PESQ, which compare sample by sample, can only be
low), narrow-band PESQ (the mean over texts), and diversity: for the first
``--spread-texts`` texts said ``--draws`` times (a GAN with as many z; espeak-ng
in as many of the judge's voices), the mean distance between the judge's
embeddings (:meth:`~wavecraft.speech.PhonemeRecogniser.embeddings`) of two
sayings of one text, over that between two texts. A speech GAN's seq2seq
autoencoder is scored too: greedy reconstruction of the held-out texts.
Written: the WAVs and an HTML page with the texts, players and the tables.
"""

from __future__ import annotations

import argparse
from itertools import combinations
from pathlib import Path

import numpy as np
import torch

from wavecraft import audio
from wavecraft.cli.output import format_table
from wavecraft.corpus import open_corpus
from wavecraft.corpus.phonemes import transcripts
from wavecraft.ctc import error_rate
from wavecraft.inference import load_generator, load_run, load_translator
from wavecraft.metrics import pesq, stoi
from wavecraft.models.checkpoint import WEIGHTS, load_networks
from wavecraft.models.seq2seq import Seq2Seq
from wavecraft.report.html import Report
from wavecraft.speech import GANSpeaker, PhonemeRecogniser, load_recogniser, load_speaker
from wavecraft.train.data import split_files
from wavecraft.train.seq2seq import reconstruct
from wavecraft.translate.windows import translate_long
from wavecraft.vocoder import envelope


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("judge", type=Path)
    parser.add_argument("tts", type=Path, nargs="+")
    parser.add_argument("--paired", type=Path, default=None)
    parser.add_argument("--wavenet", type=Path, default=None)
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=5)
    parser.add_argument("--spread-texts", type=int, default=10)
    parser.add_argument("--listen", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("bench-tts"))
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    speakers, judge = [load_speaker(run) for run in args.tts], load_recogniser(args.judge)
    first = speakers[0]
    rate = first.config.sample_rate
    corpus = open_corpus(first.record.provenance["corpus"])
    held = list(split_files(corpus, first.config)[1])[: args.texts]
    for run, speaker in zip(args.tts[1:], speakers[1:]):
        if {e.path for e in split_files(corpus, speaker.config)[1]} != {e.path for e in split_files(corpus, first.config)[1]}:
            raise SystemExit(f"{run} holds out other texts than {args.tts[0]}: train every run with the same seed")
    judged = open_corpus(judge.record.provenance["corpus"])
    trained_texts = {e.tags.get("text") for e in split_files(judged, judge.config)[0]}
    overlap = sum(e.tags["text"] in trained_texts for e in held)
    listing = transcripts(corpus)
    references = [list(listing[e.path]) for e in held]
    pairs = [corpus.load(e, sr=rate, channels=2)[0].reshape(2, -1) for e in held]
    speech = [p[0] / max(np.abs(p[0]).max(), 1e-9) for p in pairs]
    said = {"espeak-ng": speech,
            "its envelope, Griffin-Lim": [first.griffin_lim(envelope(s, rate, first.config.model.mels), s.size) for s in speech]}
    spread, voices = {}, voice_spread(judge, judged, held[: args.spread_texts], args.draws)
    notes = {}  # seq2seq run -> how it reconstructs the held-out texts
    for run, speaker in zip(args.tts, speakers):
        name = f"{speaker.config.model.model} ({run.name})"
        if isinstance(speaker, GANSpeaker):
            phonemes = [[speaker.config.model.phonemes.index(p) for p in r] for r in references]
            said[name] = [speaker.say(p, generator=torch.Generator().manual_seed(args.seed + i)) for i, p in enumerate(phonemes)]
            sayings = [[speaker.say(p, generator=torch.Generator().manual_seed(1000 * (d + 1) + i)) for d in range(args.draws)]
                       for i, p in enumerate(phonemes[: args.spread_texts])]
            spread[name] = embedding_spread(judge, sayings)
            notes[speaker.config.model.seq2seq_run] = seq2seq_note(speaker, phonemes)
        else:
            envelopes = [speaker.envelopes(torch.from_numpy(speaker.frame_phonemes(p[1]))[None])[0] for p in pairs]
            said[name] = [speaker.griffin_lim(e, s.size) for e, s in zip(envelopes, speech)]
            spread[name] = 0.0  # one saying per text: the same phoneme frames give the same envelope
    if args.wavenet:
        vocoder = load_generator(args.wavenet)
        frames = [first.envelopes(torch.from_numpy(first.frame_phonemes(p[1]))[None])[0] for p in pairs]
        said["pix2pix-frames, WaveNet"] = [vocoder.vocode(torch.from_numpy(e.T.copy())[None], s.size, torch.Generator().manual_seed(0))[0]
                                           for e, s in zip(frames, speech)]
    if args.paired:
        translator = load_translator(args.paired)
        said["pix2pix waveform"] = [translate_long(translator.network, p[1], translator.window) for p in pairs]
    rows, clips = [], []
    (args.out / "audio").mkdir(parents=True, exist_ok=True)
    for name, signals in said.items():
        greedy, beam = (error_rate(references, judge.recognise(signals, beam=b)) for b in (1, 8))
        made = [np.pad(y[: r.size], (0, r.size - min(r.size, y.size))) for r, y in zip(speech, signals)]
        quality = stoi(np.concatenate(speech), np.concatenate(made), rate), np.mean([pesq(r, y, rate) for r, y in zip(speech, made)])
        diversity = f"{spread[name]:.3f}" if name in spread else ""
        rows.append([name, f"{greedy:.3f}", f"{beam:.3f}", f"{quality[0]:.3f}", f"{quality[1]:.2f}", diversity])
        slug = name.replace(", ", "-").replace(" ", "-").replace("(", "").replace(")", "")
        for i, y in enumerate(signals[: args.listen]):
            audio.save(args.out / "audio" / f"{slug}-{i}.wav", np.clip(y, -1, 1), rate, force=True)
            clips.append((f"{held[i].label}: {name}", f"audio/{slug}-{i}.wav"))
    rows.append([f"espeak-ng in {args.draws} of the judge's voices", "", "", "", "", f"{voices:.3f}"])
    headers = ["speech", "PER greedy", "PER beam 8", "STOI", "PESQ (nb)", "diversity"]
    summary = (f"{len(held)} held-out texts of {corpus.name} ({overlap} among the judge's training texts); judge {args.judge} "
               f"({judge.checkpoint.name}, {judge.config.model.frontend}); TTS runs at their best checkpoints")
    print(summary)
    print(format_table(headers, rows))
    for note in notes.values():
        print(note)
    page = Report("Text-to-speech judged by a phoneme recogniser")
    page.paragraph(summary + ". PER: the judge's phoneme error rate against espeak-ng's phonemes; STOI and PESQ against espeak-ng's rendering; "
                   f"diversity: the mean distance between the judge's embeddings of {args.draws} sayings of one text over that between texts "
                   f"(first {args.spread_texts} texts).")
    page.table(headers, rows)
    for note in notes.values():
        page.paragraph(note)
    page.paragraph("Texts: " + "; ".join(f"{i}: {e.label}" for i, e in enumerate(held[: args.listen])))
    page.players(sorted(clips))
    page.save(args.out / "index.html", force=True)
    print(f"wrote {args.out / 'index.html'}")


def embedding_spread(judge: PhonemeRecogniser, sayings: list[list[np.ndarray]]) -> float:
    """Mean distance between the judge's embeddings of two sayings of one text, over the mean distance between those of two texts."""
    embeddings = [judge.embeddings(group) for group in sayings]
    within = np.mean([np.linalg.norm(a - b) for group in embeddings for a, b in combinations(group, 2)])
    means = [group.mean(axis=0) for group in embeddings]
    between = np.mean([np.linalg.norm(a - b) for a, b in combinations(means, 2)])
    return float(within / between)


def voice_spread(judge: PhonemeRecogniser, corpus, held: list, voices: int) -> float:
    """:func:`embedding_spread` of espeak-ng saying each held-out text in the first ``voices`` voices of the judge's corpus."""
    by_text = {}
    for entry in corpus:
        by_text.setdefault(entry.tags.get("text"), []).append(entry)
    sayings = [[corpus.load(e, sr=judge.config.sample_rate)[0].ravel() for e in sorted(by_text[h.tags["text"]], key=lambda e: e.path)[:voices]]
               for h in held if h.tags["text"] in by_text]
    return embedding_spread(judge, sayings)


def seq2seq_note(speaker: GANSpeaker, texts: list[list[int]]) -> str:
    """How well the run's seq2seq autoencoder (its best checkpoint) reconstructs the held-out texts."""
    config, _, folder = load_run(speaker.config.model.seq2seq_run, "best", "seq2seq", "a seq2seq autoencoder")
    network = Seq2Seq(config.model)
    load_networks(folder / WEIGHTS, {"seq2seq": network})
    rebuilt = reconstruct(network, texts)
    exact = np.mean([a == b for a, b in zip(texts, rebuilt)])
    return (f"{speaker.config.model.seq2seq_run}: greedy reconstruction of the {len(texts)} held-out texts, phoneme error rate "
            f"{error_rate(texts, rebuilt):.3f} (accuracy {1 - error_rate(texts, rebuilt):.3f}), {exact:.0%} of texts exact")


if __name__ == "__main__":
    main()
