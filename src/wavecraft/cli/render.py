"""``wavecraft render SCORE OUT.wav``: a MIDI file, a score (MusicXML, kern, ABC) or a collection's piece (``chorales:bwv269``) as audio."""

from __future__ import annotations

import argparse
from pathlib import Path

from wavecraft import audio
from wavecraft.atomic import check_writable
from wavecraft.cli import options
from wavecraft.cli.commands import summary
from wavecraft.music.files import read_notes
from wavecraft.music.notes import Note
from wavecraft.music.render import SYNTHS, render


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``render``."""
    parser = commands.add_parser("render", help=summary("render"), description=__doc__)
    parser.add_argument("score", metavar="SCORE", help="a .mid file, a score music21 reads (.xml, .mxl, .krn, .abc), or chorales:PIECE")
    parser.add_argument("output", type=Path, metavar="OUT.wav")
    parser.add_argument("--synth", choices=SYNTHS, default="soundfont",
                        help="soundfont: fluidsynth with the TimGM6mb General-MIDI soundfont (fetched once); additive: no fetch (default soundfont)")
    parser.add_argument("--program", type=options.integer(0, 127), default=None,
                        help="General-MIDI program for every note (default: a MIDI file's own, the piano for a score)")
    parser.add_argument("--tempo", type=options.number(10.0, 400.0), default=120.0, help="a score's quarter notes a minute (default 120)")
    parser.add_argument("--sr", type=options.rate, default=44_100, help="rate of OUT.wav, Hz (default 44100)")
    options.shared(parser, force="replace OUT.wav")
    parser.set_defaults(run=run_render)


def run_render(args: argparse.Namespace) -> int:
    """Read the notes, render them, write the file atomically."""
    check_writable(args.output, args.force)
    notes = read_notes(args.score, quarter_seconds=60.0 / args.tempo)
    if args.program is not None:
        notes = [Note(n.pitch, n.start, n.duration, n.velocity, args.program) for n in notes]
    signal = render(notes, args.sr, synth=args.synth)
    peak = float(abs(signal).max())
    audio.save(args.output, 0.9 * signal / peak if peak > 0 else signal, args.sr, force=args.force)
    print(f"wrote {args.output}: {len(notes)} notes, {signal.size / args.sr:.1f} s")
    return 0
