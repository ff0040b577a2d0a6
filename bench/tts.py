"""Text-to-speech judged by a recogniser that never trained on it: phoneme error rate, STOI and PESQ on held-out texts.

    .venv/bin/python bench/tts.py TTS_RUN JUDGE_RUN [--paired RUN] [--wavenet RUN] [--texts 53] [--listen 4] [--out bench-tts]

TTS_RUN is a ``wavecraft train tts phonemes`` run; JUDGE_RUN a
``wavecraft train recogniser voices`` run (other voices than the TTS's).
The texts are the TTS run's held-out ones (its own split; the judge's split
of the same texts is checked to hold them out too). Each is said by:

- ``espeak-ng``: the rendering the TTS learned from (the reference);
- ``its envelope, Griffin-Lim``: the reference's own dB mel envelope inverted
  by Griffin-Lim (the ceiling of any model whose frames are inverted so);
- ``pix2pix-frames, Griffin-Lim``: TTS_RUN's envelope for espeak-ng's timed
  phonemes, inverted by Griffin-Lim (what ``wavecraft speak`` writes);
- ``pix2pix-frames, WaveNet`` with ``--wavenet``: the same envelope drawn by a mel WaveNet;
- ``pix2pix waveform`` with ``--paired``: the 1-D pix2pix U-Net on the phoneme signal
  (``wavecraft train translate phonemes --task paired``).

Printed: the judge's phoneme error rate (greedy and beam 8) against
espeak-ng's phonemes, STOI against the reference (over all the texts one
after the other: many are shorter than STOI's 0.4 s), and narrow-band PESQ
(the mean over texts); written: the WAVs and an HTML page with players.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from wavecraft import audio
from wavecraft.cli.output import format_table
from wavecraft.corpus import open_corpus
from wavecraft.corpus.phonemes import transcripts
from wavecraft.ctc import error_rate
from wavecraft.inference import load_generator, load_translator
from wavecraft.metrics import pesq, stoi
from wavecraft.report.html import Report
from wavecraft.speech import load_recogniser, load_speaker
from wavecraft.train.data import split_files
from wavecraft.translate.windows import translate_long
from wavecraft.vocoder import envelope


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tts", type=Path)
    parser.add_argument("judge", type=Path)
    parser.add_argument("--paired", type=Path, default=None)
    parser.add_argument("--wavenet", type=Path, default=None)
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--listen", type=int, default=4)
    parser.add_argument("--out", type=Path, default=Path("bench-tts"))
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    speaker, judge = load_speaker(args.tts), load_recogniser(args.judge)
    rate = speaker.config.sample_rate
    corpus = open_corpus(speaker.record.provenance["corpus"])
    held = list(split_files(corpus, speaker.config)[1])[: args.texts]
    judged = open_corpus(judge.record.provenance["corpus"])
    trained_texts = {e.tags.get("text") for e in split_files(judged, judge.config)[0]}
    overlap = sum(e.tags["text"] in trained_texts for e in held)
    listing = transcripts(corpus)
    references = [list(listing[e.path]) for e in held]
    pairs = [corpus.load(e, sr=rate, channels=2)[0].reshape(2, -1) for e in held]
    speech = [p[0] / max(np.abs(p[0]).max(), 1e-9) for p in pairs]
    frames = [speaker.frame_phonemes(p[1]) for p in pairs]
    predicted = [speaker.envelopes(torch.from_numpy(f)[None])[0] for f in frames]
    said = {
        "espeak-ng": speech,
        "its envelope, Griffin-Lim": [speaker.griffin_lim(envelope(s, rate, speaker.config.model.mels), s.size) for s in speech],
        "pix2pix-frames, Griffin-Lim": [speaker.griffin_lim(e, s.size) for e, s in zip(predicted, speech)],
    }
    if args.wavenet:
        vocoder = load_generator(args.wavenet)
        said["pix2pix-frames, WaveNet"] = [vocoder.vocode(torch.from_numpy(e.T.copy())[None], s.size, torch.Generator().manual_seed(0))[0]
                                           for e, s in zip(predicted, speech)]
    if args.paired:
        translator = load_translator(args.paired)
        said["pix2pix waveform"] = [translate_long(translator.network, p[1], translator.window) for p in pairs]
    rows, clips = [], []
    (args.out / "audio").mkdir(parents=True, exist_ok=True)
    for name, signals in said.items():
        greedy, beam = (error_rate(references, judge.recognise(signals, beam=b)) for b in (1, 8))
        made = [np.pad(y[: r.size], (0, r.size - min(r.size, y.size))) for r, y in zip(speech, signals)]
        quality = stoi(np.concatenate(speech), np.concatenate(made), rate), np.mean([pesq(r, y, rate) for r, y in zip(speech, made)])
        rows.append([name, f"{greedy:.3f}", f"{beam:.3f}", f"{quality[0]:.3f}", f"{quality[1]:.2f}"])
        slug = name.replace(", ", "-").replace(" ", "-")
        for i, y in enumerate(signals[: args.listen]):
            audio.save(args.out / "audio" / f"{slug}-{i}.wav", np.clip(y, -1, 1), rate, force=True)
            clips.append((f"{held[i].label}: {name}", f"audio/{slug}-{i}.wav"))
    headers = ["speech", "PER greedy", "PER beam 8", "STOI", "PESQ (nb)"]
    summary = (f"{len(held)} held-out texts of {corpus.name} ({overlap} among the judge's training texts); TTS {args.tts} "
               f"({speaker.checkpoint.name}), judge {args.judge} ({judge.checkpoint.name}, {judge.config.model.frontend})")
    print(summary)
    print(format_table(headers, rows))
    page = Report("Text-to-speech judged by a phoneme recogniser")
    page.paragraph(summary + ". PER: the judge's phoneme error rate against espeak-ng's phonemes; STOI and PESQ against espeak-ng's rendering.")
    page.table(headers, rows)
    page.players(sorted(clips))
    page.save(args.out / "index.html", force=True)
    print(f"wrote {args.out / 'index.html'}")


if __name__ == "__main__":
    main()
